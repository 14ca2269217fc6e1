-- event buffer, park one event: remove it from pending if it is there, and park it unless its sequence is parked.
-- KEYS[1] pending ZSET, KEYS[2] pending index HASH, KEYS[3] pending count, KEYS[4] parked ZSET, KEYS[5] parked index
-- ARGV[1] the aggregate's field, ARGV[2] its index entry, ARGV[3], ARGV[4] the ZRANGEBYLEX bounds of the members of
-- the sequence, ARGV[5] the parked member
-- returns {removed from pending 1|0, parked now 1|0}
local removed = 0
local found = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[3], ARGV[4], 'LIMIT', 0, 1)
if #found > 0 then
  redis.call('ZREM', KEYS[1], found[1])
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
  end
  if redis.call('DECR', KEYS[3]) <= 0 then
    redis.call('DEL', KEYS[3])
  end
  removed = 1
end
if #redis.call('ZRANGEBYLEX', KEYS[4], ARGV[3], ARGV[4], 'LIMIT', 0, 1) > 0 then
  return {removed, 0}
end
redis.call('ZADD', KEYS[4], 0, ARGV[5])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
return {removed, 1}
