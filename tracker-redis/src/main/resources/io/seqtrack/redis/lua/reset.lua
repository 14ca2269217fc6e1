-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] new last
-- An operator repair: any parsable fence is kept and bumped (invalidating every earlier token); an aggregate the bucket
-- does not know continues from the bucket's fencing floor. A corrupted value is reported, never overwritten — delete
-- the aggregate to discard it.
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
