-- KEYS[1] epoch, KEYS[2] counter, KEYS[3] guard (all one customer: one hash tag);
-- ARGV epoch, amount, limit ('' = none), hard ('1'|'0'), expire_at ms ('' = never),
-- guard lifetime ms. Returns {'stale', epoch|''}, {'repeated'} or
-- {'done', accepted, used, applied}.
local refused = stale(KEYS[1], ARGV[1])
if refused then return refused end
-- A guard counts only under the epoch it was taken in: one taken before a rebuild belongs to a
-- consumption the rebuild left out, and must not block the event decided again.
if redis.call('GET', KEYS[3]) == ARGV[1] then return {'repeated'} end
local outcome = consume(KEYS[2], ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5])
-- Only an accepted consumption takes the guard: a refused one may be retried.
if outcome[1] == '1' then
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[6])
end
return {'done', outcome[1], outcome[2], outcome[3]}
