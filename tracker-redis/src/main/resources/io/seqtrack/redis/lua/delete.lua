-- KEYS[1] rest hash, KEYS[2] claim hash, KEYS[3] the aggregate's skipped-range LIST; ARGV[1] field, ARGV[2] clock
-- offset ms, ARGV[3] grace ms
-- Forgets the aggregate and its skip records, but not its fencing: the bucket's floor is raised to the aggregate's
-- fence and its claim's token, so tokens issued after the delete are above every token issued before (invariant 9).
-- A corrupted value is discarded (that is what delete is for), keeping the fence that can still be read from it; a
-- corrupted floor is reported, never replaced.
-- returns {1} if the aggregate was known, {0} otherwise; or {'W', ms}: a live claim was revoked (operator_gate in
-- common.lua), call again after ms
local gate = operator_gate(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
if gate then return gate end
local v = redis.call('HGET', KEYS[1], ARGV[1])
local c = redis.call('HGET', KEYS[2], ARGV[1])
if not v and not c then
  redis.call('DEL', KEYS[3])
  return {0}
end
local raw_floor = redis.call('HGET', KEYS[1], FLOOR)
local floor = fence_floor(KEYS[1])
if not floor then return corrupt('fencing floor', raw_floor) end -- never lower a floor it cannot read
local _, fence = parse_rest(v)
if not fence and v then
  -- a corrupted value is discarded, but whatever fence can still be read from it is kept
  local tail = string.match(v, ':(%d+)$')
  if tail and #tail <= 15 then fence = tonumber(tail) end
end
if fence then
  floor = math.max(floor, fence)
end
if c then
  local token = parse_claim(c)
  if token then floor = math.max(floor, token) end
end
redis.call('HSET', KEYS[1], FLOOR, fmt(floor))
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return {1}
