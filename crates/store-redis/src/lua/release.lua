-- KEYS[1] counter; ARGV amount (>= 0), expire_at ms ('' = never). Floors at 0.
local current = read_counter(KEYS[1])
local neg, amount = parse(ARGV[1])
if neg == nil or neg then fail('cannot release ' .. ARGV[1] .. ' of ' .. KEYS[1]) end
local used = ZERO
if cmp(current, amount) > 0 then used = sub(current, amount) end
write_counter(KEYS[1], used, ARGV[2])
return fmt(false, used)
