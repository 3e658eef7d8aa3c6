-- wrk script: POST /v1/check (consumes nothing) for one customer.
local key = os.getenv("TG_KEY")
request = function()
  return wrk.format("POST", "/v1/check",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key},
    '{"customer":"load-0","feature":"api_calls","quantity":1}')
end
