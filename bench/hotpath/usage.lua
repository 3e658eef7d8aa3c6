-- wrk: POST /v1/usage with a fresh idempotency key per request, spread over TG_CUSTOMERS customers.
dofile(os.getenv("TG_BENCH_DIR") .. "/latency.lua")
local key = os.getenv("TG_KEY")
local customers = tonumber(os.getenv("TG_CUSTOMERS") or "64")
local counter, next_id = 0, 0
tid = 0 -- set per thread by setup()
function setup(thread) thread:set("tid", next_id); next_id = next_id + 1 end
function init(args) math.randomseed(os.time() + tid) end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"customer":"load-%d","feature":"api_calls","quantity":1,"idempotency_key":"b%d-%d-%d"}',
    counter % customers, tid, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/v1/usage",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
