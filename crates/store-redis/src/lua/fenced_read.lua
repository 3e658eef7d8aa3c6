-- KEYS[1] epoch, KEYS[2..n] counters; ARGV[1] epoch.
-- Returns {'stale', epoch|''} or {'done', value...} ('0' for absent counters).
local refused = stale(KEYS[1], ARGV[1])
if refused then return refused end
local out = {'done'}
for i = 2, #KEYS do
  out[i] = redis.call('GET', KEYS[i]) or '0'
end
return out
