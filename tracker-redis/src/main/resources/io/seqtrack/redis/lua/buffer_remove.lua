-- event buffer, remove one pending or parked event.
-- KEYS[1] the aggregate's ZSET, KEYS[2] the bucket's index HASH, KEYS[3] (pending only) the bucket's pending count
-- ARGV[1] the aggregate's field, ARGV[2], ARGV[3] the ZRANGEBYLEX bounds of the members of the sequence
-- returns {1} if an event was removed, {0} if none was there
local found = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, 1)
if #found == 0 then
  return {0}
end
redis.call('ZREM', KEYS[1], found[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if KEYS[3] and redis.call('DECR', KEYS[3]) <= 0 then
  redis.call('DEL', KEYS[3])
end
return {1}
