-- wrk: POST /v1/check, spread over TG_CUSTOMERS customers (consumes nothing).
dofile(os.getenv("TG_BENCH_DIR") .. "/latency.lua")
local key = os.getenv("TG_KEY")
local customers = tonumber(os.getenv("TG_CUSTOMERS") or "64")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/check",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key},
    string.format('{"customer":"load-%d","feature":"api_calls","quantity":1}', counter % customers))
end
