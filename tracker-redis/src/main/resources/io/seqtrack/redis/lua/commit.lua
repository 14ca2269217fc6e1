-- one commit: KEYS[1] rest hash, KEYS[2] claim hash, KEYS[3] pending index; ARGV as documented on commit_one
return commit_one(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], KEYS[3], ARGV[4])
