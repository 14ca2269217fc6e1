-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] seq, ARGV[3] seq-1, ARGV[4] mode S|M,
-- ARGV[5] owner, ARGV[6] lease ms, ARGV[7] clock offset ms
-- returns {C, last, token} | {D, last} | {G, last} | {B, last, owner, seq, token, expiresAt}
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
if cmp(ARGV[2], last) <= 0 then return {'D', last} end
if ARGV[4] == 'S' and ARGV[3] ~= last then return {'G', last} end
local now = now_ms(ARGV[7])
local c = redis.call('HGET', KEYS[2], ARGV[1])
if c then
  local token, seq, expires, owner = parse_claim(c)
  if not token then return corrupt('claim', c) end
  if now < expires and owner ~= ARGV[5] then
    return {'B', last, owner, seq, fmt(token), fmt(expires)}
  end
end
local token = fence + 1
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(last, token))
redis.call('HSET', KEYS[2], ARGV[1], enc_claim(token, ARGV[2], now + tonumber(ARGV[6]), ARGV[5]))
return {'C', last, fmt(token)}
