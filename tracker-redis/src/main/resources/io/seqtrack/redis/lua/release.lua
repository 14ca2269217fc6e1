-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field, ARGV[2] seq, ARGV[3] token
-- returns {RELEASED|NOT_HELD}
local c = redis.call('HGET', KEYS[2], ARGV[1])
if not c then return {'NOT_HELD'} end
local ctoken, cseq = parse_claim(c)
if not ctoken then return corrupt('claim', c) end
if ctoken ~= tonumber(ARGV[3]) or cseq ~= ARGV[2] then return {'NOT_HELD'} end
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
redis.call('HDEL', KEYS[2], ARGV[1])
-- bump the fence so the released token can never be mistaken for a landed commit
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(last, fence + 1))
return {'RELEASED'}
