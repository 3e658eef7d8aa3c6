-- Exact signed 64-bit integers for Redis' Lua 5.1, whose numbers are doubles (exact only up
-- to 2^53). Integers travel as canonical decimal strings; a magnitude is a pair {hi, lo} with
-- value hi * 10^9 + lo, both halves far below 2^53, so every operation here is exact over the
-- whole i64 range. A contract error raises 'TGINVALID <message>' before anything is written.

local BASE = 1000000000
local ZERO = {0, 0}
local I64_MAX = {9223372036, 854775807}
local I64_MIN_MAG = {9223372036, 854775808}

local function fail(msg)
  error({err = 'TGINVALID ' .. msg})
end

local function cmp(a, b)
  if a[1] ~= b[1] then
    if a[1] < b[1] then return -1 end
    return 1
  end
  if a[2] ~= b[2] then
    if a[2] < b[2] then return -1 end
    return 1
  end
  return 0
end

-- Sums of two magnitudes stay below 2 * 10^10 in `hi`: still exact.
local function add(a, b)
  local hi, lo = a[1] + b[1], a[2] + b[2]
  if lo >= BASE then
    lo = lo - BASE
    hi = hi + 1
  end
  return {hi, lo}
end

-- a - b, for a >= b.
local function sub(a, b)
  local hi, lo = a[1] - b[1], a[2] - b[2]
  if lo < 0 then
    lo = lo + BASE
    hi = hi - 1
  end
  return {hi, lo}
end

-- (negative, magnitude) of a decimal i64 string; nil when it is not one.
local function parse(s)
  if type(s) ~= 'string' then return nil end
  local neg, digits = false, s
  if string.sub(s, 1, 1) == '-' then
    neg, digits = true, string.sub(s, 2)
  end
  if #digits == 0 or #digits > 19 or not string.find(digits, '^%d+$') then return nil end
  local n = #digits
  local mag
  if n <= 9 then
    mag = {0, tonumber(digits)}
  else
    mag = {tonumber(string.sub(digits, 1, n - 9)), tonumber(string.sub(digits, n - 8))}
  end
  if neg then
    if cmp(mag, I64_MIN_MAG) > 0 then return nil end
    if cmp(mag, ZERO) == 0 then neg = false end
  elseif cmp(mag, I64_MAX) > 0 then
    return nil
  end
  return neg, mag
end

local function fmt(neg, m)
  local s
  if m[1] == 0 then
    s = string.format('%d', m[2])
  else
    s = string.format('%d%09d', m[1], m[2])
  end
  if neg and s ~= '0' then return '-' .. s end
  return s
end

-- Compares two signed values given as (negative, magnitude).
local function cmp_signed(an, am, bn, bm)
  if an ~= bn then
    if an then return -1 end
    return 1
  end
  local c = cmp(am, bm)
  if an then return -c end
  return c
end

-- The counter at `key` (0 when absent); a stored value that is not a non-negative i64 is a
-- contract error, never a guess.
local function read_counter(key)
  local raw = redis.call('GET', key)
  if not raw then return ZERO end
  local neg, mag = parse(raw)
  if neg == nil then fail('counter ' .. key .. ' does not hold an i64: ' .. raw) end
  if neg then fail('counter ' .. key .. ' is negative (' .. raw .. ')') end
  return mag
end

-- SET drops any TTL, so a lifetime counter (expire_at '') never expires; a windowed one gets
-- its expiry again on every write.
local function write_counter(key, mag, expire_at)
  redis.call('SET', key, fmt(false, mag))
  if expire_at ~= '' then
    redis.call('PEXPIREAT', key, expire_at)
  end
end

-- apply_consume of tollgate-quotas, then the write when the counter moved.
-- Returns {accepted '1'|'0', used, applied} as strings.
local function consume(key, amount_s, limit_s, hard, expire_at)
  local current = read_counter(key)
  local limit = nil
  if limit_s ~= '' then
    local lneg, lmag = parse(limit_s)
    if lneg == nil or lneg then fail('limit of ' .. key .. ' must not be negative') end
    limit = lmag
  end
  local neg, amount = parse(amount_s)
  if neg == nil then fail('amount ' .. amount_s .. ' is not an i64') end
  if neg then
    local used = ZERO
    if cmp(current, amount) > 0 then used = sub(current, amount) end
    local moved = sub(current, used)
    if cmp(moved, ZERO) ~= 0 then write_counter(key, used, expire_at) end
    return {'1', fmt(false, used), fmt(true, moved)}
  end
  local after = add(current, amount)
  if cmp(after, I64_MAX) > 0 then
    fail('counter ' .. key .. ' would overflow: ' .. fmt(false, current) .. ' + ' .. amount_s)
  end
  if hard and limit ~= nil and cmp(after, limit) > 0 then
    return {'0', fmt(false, current), '0'}
  end
  if cmp(amount, ZERO) ~= 0 then write_counter(key, after, expire_at) end
  return {'1', fmt(false, after), fmt(false, amount)}
end
