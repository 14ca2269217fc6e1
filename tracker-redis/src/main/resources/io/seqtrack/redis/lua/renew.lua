-- one renewal: KEYS[1] rest hash, KEYS[2] claim hash; ARGV as documented on renew_one in common.lua
return renew_one(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
