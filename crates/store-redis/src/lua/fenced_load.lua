-- KEYS[1] epoch, KEYS[2..n] counters; ARGV[1] epoch, then per counter: value, expire_at ms
-- ('' = never). Returns '1' when loaded, '0' when the stored epoch is >= ARGV[1].
local new_neg, new_mag = parse(ARGV[1])
if new_neg == nil then fail('epoch ' .. ARGV[1] .. ' is not an i64') end
local stored = redis.call('GET', KEYS[1])
if stored then
  local neg, mag = parse(stored)
  if neg == nil then fail('epoch ' .. KEYS[1] .. ' does not hold an i64: ' .. stored) end
  if cmp_signed(neg, mag, new_neg, new_mag) >= 0 then return '0' end
end
local values = {}
for i = 2, #KEYS do
  local raw = ARGV[2 * i - 2]
  local neg, mag = parse(raw)
  if neg == nil or neg then fail('cannot load ' .. KEYS[i] .. ' with ' .. raw) end
  values[i] = mag
end
for i = 2, #KEYS do
  write_counter(KEYS[i], values[i], ARGV[2 * i - 1])
end
redis.call('SET', KEYS[1], ARGV[1])
return '1'
