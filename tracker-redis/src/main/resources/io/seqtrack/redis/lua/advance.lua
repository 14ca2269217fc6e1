-- KEYS[1] rest hash; ARGV[1] field, ARGV[2] seq, ARGV[3] seq-1, ARGV[4] mode S|M
-- returns {verdict I|D|G, last}
local v = redis.call('HGET', KEYS[1], ARGV[1])
local last, fence = parse_rest(v)
if not last then return corrupt('last committed', v) end
if cmp(ARGV[2], last) <= 0 then return {'D', last} end
if ARGV[4] == 'S' and ARGV[3] ~= last then return {'G', last} end
redis.call('HSET', KEYS[1], ARGV[1], enc_rest(ARGV[2], fence))
return {'I', ARGV[2]}
