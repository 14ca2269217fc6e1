-- event buffer, record one skipped range unless that very range (same bounds, time and reason) is recorded already,
-- so that retrying after an unknown outcome cannot record it twice.
-- KEYS[1] the aggregate's skipped-range LIST; ARGV[1] the encoded range
-- returns {1} if recorded now, {0} if it was recorded before
if redis.call('LPOS', KEYS[1], ARGV[1]) then
  return {0}
end
redis.call('RPUSH', KEYS[1], ARGV[1])
return {1}
