-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] seq, ARGV[3] token
-- returns {COMMITTED|ALREADY_COMMITTED|CLAIM_LOST}
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return {'CLAIM_LOST'} end
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
local token = tonumber(ARGV[3])
local c = redis.call('HGET', KEYS[2], ARGV[1])
if c then
  local ctoken, cseq = parse_claim(c)
  if not ctoken then return corrupt('claim', c) end
  if ctoken == token and cseq == ARGV[2] then
    -- still the newest token: nobody else can have handled the event, even if the lease ran out
    redis.call('HDEL', KEYS[2], ARGV[1])
    if cmp(ARGV[2], last) <= 0 then return {'ALREADY_COMMITTED'} end
    redis.call('HSET', KEYS[1], ARGV[1], enc_rest(ARGV[2], fence))
    return {'COMMITTED'}
  end
  return {'CLAIM_LOST'}
end
if cmp(ARGV[2], last) <= 0 and fence == token then return {'ALREADY_COMMITTED'} end
return {'CLAIM_LOST'}
