-- a batch of commit calls, each optionally followed by the claim of the next sequence for the committing worker under
-- the same fencing token (sticky ownership: one element per handled event), in one atomic step. KEYS holds (rest,
-- claim, pending index) triples, ARGV 9 values per call: field, seq, token, channel, next seq ('' for a plain commit),
-- mode (unused: the next sequence is always admissible right after a commit), owner, lease ms, clock offset.
-- Per call: {commit result} or, after COMMITTED with a next claim asked for, {COMMITTED, C, last, token}.
-- Keeping the token keeps a retried commit answering ALREADY_COMMITTED (see commit_one); any other worker's claim still
-- gets a higher one. All of it runs or none of it does; a corrupted value stops the batch with an error.
local results = {}
for i = 1, #KEYS / 3 do
  local a = 9 * (i - 1)
  local claims = KEYS[3*i-1]
  local r = commit_one(KEYS[3*i-2], claims, ARGV[a+1], ARGV[a+2], ARGV[a+3], KEYS[3*i], ARGV[a+4])
  if r.err then return r end
  if r[1] == 'COMMITTED' and ARGV[a+5] ~= '' then
    local expires = now_ms(ARGV[a+9]) + tonumber(ARGV[a+8])
    redis.call('HSET', claims, ARGV[a+1], enc_claim(tonumber(ARGV[a+3]), ARGV[a+5], expires, ARGV[a+7]))
    r = {'COMMITTED', 'C', ARGV[a+2], ARGV[a+3]}
  end
  results[i] = r
end
return results
