-- KEYS[1] epoch, KEYS[2] counter, KEYS[3] guard; ARGV epoch, applied (signed),
-- expire_at ms ('' = never). Returns {'stale', epoch|''} or {'done'}.
-- The guard this consumption took (under `epoch`) is freed whatever the customer's epoch now:
-- under a newer one the counters were rebuilt without it. A guard a newer attempt took is kept.
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
local refused = stale(KEYS[1], ARGV[1])
if refused then return refused end
local current = read_counter(KEYS[2])
local neg, applied = parse(ARGV[2])
if neg == nil then fail('applied ' .. ARGV[2] .. ' is not an i64') end
local restored
if neg then
  -- A gauge decrease is added back, saturating at i64::MAX.
  restored = add(current, applied)
  if cmp(restored, I64_MAX) > 0 then restored = I64_MAX end
elseif cmp(current, applied) > 0 then
  restored = sub(current, applied)
else
  restored = ZERO
end
write_counter(KEYS[2], restored, ARGV[3])
return {'done'}
