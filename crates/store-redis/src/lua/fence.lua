-- The customer's epoch check shared by the fenced scripts: nil when `epoch_key` holds
-- exactly `epoch`, otherwise the answer {'stale', current or ''}.
local function stale(epoch_key, epoch)
  local current = redis.call('GET', epoch_key)
  if current == epoch then return nil end
  return {'stale', current or ''}
end
