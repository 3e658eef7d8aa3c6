-- wrk script: POST /v1/usage with a fresh idempotency key per request, spread over customers.
-- env: TG_KEY (server or admin key), TG_CUSTOMERS (how many customers, default 64).
local counter = 0
local customers = tonumber(os.getenv("TG_CUSTOMERS") or "64")
local key = os.getenv("TG_KEY")
local thread_id = 0

function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + tid)
end

request = function()
  counter = counter + 1
  local c = "load-" .. (counter % customers)
  local body = string.format(
    '{"customer":"%s","feature":"api_calls","quantity":1,"idempotency_key":"t%d-%d-%d"}',
    c, tid, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/v1/usage",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
