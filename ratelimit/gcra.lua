-- GCRA over one API key's two buckets, applied atomically by Redis.
-- It mirrors step and apply in ratelimit.go; Go computes the increments so
-- that this script only adds and compares integers (microseconds, exact in
-- Lua's doubles until the year 2255).
--
-- KEYS[1]  a hash {r = request bucket TAT, t = token bucket TAT}, unix µs
-- ARGV     now, enforce ("1" for Allow, "0" for Record),
--          req_inc, req_period, tok_inc, tok_period (period 0 = unlimited)
-- returns  {wait, r - now, t - now}: wait 0 means charged; the others say
--          how full each bucket is after the call (0 = full).
local now = tonumber(ARGV[1])
local enforce = ARGV[2] == '1'

local function step(tat, inc, period)
  if period == 0 then return tat, 0 end
  local n = math.max(tat, now) + inc
  if n < now then n = now end
  if enforce and n - now > period then return tat, n - now - period end
  return n, 0
end

local s = redis.call('HMGET', KEYS[1], 'r', 't')
local r0, t0 = tonumber(s[1]) or 0, tonumber(s[2]) or 0
local r, wr = step(r0, tonumber(ARGV[3]), tonumber(ARGV[4]))
local t, wt = step(t0, tonumber(ARGV[5]), tonumber(ARGV[6]))
local wait = math.max(wr, wt)

if wait > 0 then
  r, t = r0, t0
else
  local ahead = math.max(r, t) - now
  if ahead > 0 then
    -- %.0f: Lua would print large numbers in exponent form and lose digits.
    redis.call('HSET', KEYS[1], 'r', string.format('%.0f', r), 't', string.format('%.0f', t))
    -- The key lives until both buckets are full again; after that a
    -- missing key means exactly the same thing, so Redis forgets idle keys.
    redis.call('PEXPIRE', KEYS[1], math.ceil(ahead / 1000))
  else
    redis.call('DEL', KEYS[1])
  end
end
return {wait, math.max(r - now, 0), math.max(t - now, 0)}
