-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] new last
-- An operator repair: any parsable fence is kept and bumped (invalidating every earlier token); a corrupted value is
-- reported, never overwritten — delete the aggregate to discard it.
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(ARGV[2], fence + 1))
return {'OK'}
