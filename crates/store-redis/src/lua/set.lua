-- KEYS[1] counter; ARGV value (>= 0), expire_at ms ('' = never).
local neg, value = parse(ARGV[1])
if neg == nil or neg then fail('cannot set ' .. KEYS[1] .. ' to ' .. ARGV[1]) end
write_counter(KEYS[1], value, ARGV[2])
return 'OK'
