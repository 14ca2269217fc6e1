local K, A, X = KEYS, ARGV, {}
