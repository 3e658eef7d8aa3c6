-- KEYS[1] counter; ARGV amount, limit ('' = none), hard ('1'|'0'), expire_at ms ('' = never).
return consume(KEYS[1], ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4])
