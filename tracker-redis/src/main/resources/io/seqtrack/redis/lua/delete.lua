-- KEYS[1] rest hash, KEYS[2] claim hash; ARGV[1] field
-- returns {1} if the aggregate was known, {0} otherwise
local known = redis.call('HDEL', KEYS[1], ARGV[1])
local claimed = redis.call('HDEL', KEYS[2], ARGV[1])
if known + claimed > 0 then return {1} end
return {0}
