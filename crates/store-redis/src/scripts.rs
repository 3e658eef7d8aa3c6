//! The Lua scripts, each one atomic step in Redis. `int64.lua` (exact i64 arithmetic on decimal
//! strings and the counter semantics of `apply_consume`) and `fence.lua` (the epoch check) are
//! prepended to the scripts that need them, so every script is self-contained.

use deadpool_redis::redis::Script;

/// Compiled once per [`RedisCounters`](crate::RedisCounters) (its SHA1 is what `EVALSHA` sends);
/// `invoke_async` loads a script again after `NOSCRIPT` (a flushed or restarted Redis).
#[derive(Debug)]
pub(crate) struct Scripts {
    pub consume: Script,
    pub release: Script,
    pub set: Script,
    pub lease: Script,
    pub fenced_consume: Script,
    pub fenced_undo: Script,
    pub fenced_load: Script,
    pub fenced_read: Script,
}

impl Scripts {
    pub fn new() -> Self {
        Self {
            consume: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/consume.lua")
            )),
            release: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/release.lua")
            )),
            set: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/set.lua")
            )),
            lease: Script::new(include_str!("lua/lease.lua")),
            fenced_consume: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/fence.lua"),
                include_str!("lua/fenced_consume.lua")
            )),
            fenced_undo: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/fence.lua"),
                include_str!("lua/fenced_undo.lua")
            )),
            fenced_load: Script::new(concat!(
                include_str!("lua/int64.lua"),
                include_str!("lua/fenced_load.lua")
            )),
            fenced_read: Script::new(concat!(
                include_str!("lua/fence.lua"),
                include_str!("lua/fenced_read.lua")
            )),
        }
    }
}
