-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] new last, ARGV[3] clock offset ms, ARGV[4] grace ms
-- returns {'OK'}, or {'W', ms}: a live claim was revoked (operator_gate in common.lua); call again after ms
-- An operator repair: any parsable fence is kept and bumped (invalidating every earlier token); an aggregate the bucket
-- does not know continues from the bucket's fencing floor. A corrupted value is reported, never overwritten — delete
-- the aggregate to discard it.
local gate = operator_gate(KEYS[1], KEYS[2], ARGV[1], ARGV[3], ARGV[4])
if gate then return gate end
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
if not v then
  fence = fence_floor(KEYS[1])
  if not fence then return corrupt('fencing floor', redis.call('HGET', KEYS[1], FLOOR)) end
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(ARGV[2], fence + 1))
return {'OK'}
