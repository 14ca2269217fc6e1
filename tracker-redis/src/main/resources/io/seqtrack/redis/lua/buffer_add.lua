-- event buffer, add one pending event (idempotent per sequence, never evicts).
-- KEYS[1] the aggregate's pending ZSET, KEYS[2] the bucket's pending index HASH, KEYS[3] the bucket's pending count
-- ARGV[1] the aggregate's field, ARGV[2] its index entry, ARGV[3] the member (sequence key .. event),
-- ARGV[4], ARGV[5] the ZRANGEBYLEX bounds of the members of this sequence, ARGV[6] the most pending per aggregate
-- Every member has score 0 and starts with a fixed-width, order-preserving encoding of its sequence, so the set is
-- ordered by sequence, exactly, for every long (a double score would not be exact above 2^53).
-- returns {ADDED|ALREADY_BUFFERED|FULL}
if #redis.call('ZRANGEBYLEX', KEYS[1], ARGV[4], ARGV[5], 'LIMIT', 0, 1) > 0 then
  return {'ALREADY_BUFFERED'}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[6]) then
  return {'FULL'}
end
redis.call('ZADD', KEYS[1], 0, ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[3])
return {'ADDED'}
