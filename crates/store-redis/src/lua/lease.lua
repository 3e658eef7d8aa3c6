-- KEYS[1] lease set (member = lease id, score = expiry in ms); ARGV lease id, limit ('' = none),
-- now ms, expires_at ms. Time is the caller's `now`, never the server's clock.
-- Returns {acquired '1'|'0', held, earliest expiry ms or ''}.
local key, id, limit, now, expires_at = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
-- A lease is expired at its expiry instant: scores <= now go.
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local held = redis.call('ZCARD', key)
local renewing = redis.call('ZSCORE', key, id)
local acquired = renewing ~= false or limit == '' or held < tonumber(limit)
if acquired then
  redis.call('ZADD', key, expires_at, id)
  held = redis.call('ZCARD', key)
end
local earliest = ''
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if first[2] then
  earliest = string.format('%d', tonumber(first[2]))
  -- The set lives as long as its last lease: an idle set vanishes by itself.
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, string.format('%d', tonumber(last[2])))
end
local flag = '0'
if acquired then flag = '1' end
return {flag, tostring(held), earliest}
