-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] clock offset ms
-- returns {last, fence} or {last, fence, owner, seq, token, expiresAt} while a claim is unexpired
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
local c = redis.call('HGET', KEYS[2], ARGV[1])
if c then
  local token, seq, expires, owner = parse_claim(c)
  if not token then return corrupt('claim', c) end
  if now_ms(ARGV[2]) < expires then
    return {last, fmt(fence), owner, seq, fmt(token), fmt(expires)}
  end
end
return {last, fmt(fence)}
