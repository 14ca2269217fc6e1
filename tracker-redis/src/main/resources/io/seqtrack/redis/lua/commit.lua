-- one commit: KEYS[1] rest hash, KEYS[2] claim hash; ARGV as documented on commit_one in common.lua
return commit_one(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
