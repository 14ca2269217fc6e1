-- a skip and its record in one atomic step (SequenceStore#skip)
-- KEYS[1] rest hash, KEYS[2] claim hash, KEYS[3] the aggregate's skipped-range LIST, KEYS[4] pending index
-- ARGV[1] field, ARGV[2] expected last, ARGV[3] new last, ARGV[4] the encoded record, ARGV[5] clock offset ms,
-- ARGV[6] wake-up channel ('' for none)
-- returns {S, last} skipped (or this very skip happened before) | {M, last} moved | {B, last, owner, seq, token, expiresAt}
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
if redis.call('LPOS', KEYS[3], ARGV[4]) then
  -- this very skip happened before (a retry after an unknown outcome), whatever was committed since
  reaffirm(KEYS[1], ARGV[1], v)
  return {'S', last}
end
if last ~= ARGV[2] then return {'M', last} end
local c = redis.call('HGET', KEYS[2], ARGV[1])
if c then
  local held_token, held_seq, expires, holder = parse_claim(c)
  if not held_token then return corrupt('claim', c) end
  if now_ms(ARGV[5]) < expires then
    return {'B', last, holder, held_seq, fmt(held_token), fmt(expires)}
  end
  -- an expired claim is dropped and its token invalidated: its holder's commit answers CLAIM_LOST
  redis.call('HDEL', KEYS[2], ARGV[1])
  fence = fence + 1
end
if not v then
  fence = fence_floor(KEYS[1])
  if not fence then return corrupt('fencing floor', redis.call('HGET', KEYS[1], FLOOR)) end
end
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(ARGV[3], fence))
redis.call('RPUSH', KEYS[3], ARGV[4])
notify(KEYS[4], ARGV[1], ARGV[6])
return {'S', ARGV[3]}
