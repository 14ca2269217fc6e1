-- a batch of commit calls, each optionally followed by the claim of the next sequence for the committing worker (sticky
-- ownership: one element per handled event), in one atomic step. KEYS holds (rest, claim, pending index) triples, ARGV
-- 9 values per call: field, seq, token, channel, next seq ('' for a plain commit), mode, owner, lease ms, clock offset.
-- Per call: {commit result} or, after COMMITTED with a next claim asked for, {COMMITTED, <claim_one's reply>}; the next
-- claim gets the next token, like any claim, and a retried commit still answers ALREADY_COMMITTED (see commit_one).
-- All of it runs or none of it does; a corrupted value stops the batch with an error (the calls before it took effect).
local results = {}
for i = 1, #KEYS / 3 do
  local a = 9 * (i - 1)
  local rest, claims = KEYS[3*i-2], KEYS[3*i-1]
  local r = commit_one(rest, claims, ARGV[a+1], ARGV[a+2], ARGV[a+3], KEYS[3*i], ARGV[a+4])
  if r.err then return r end
  if r[1] == 'COMMITTED' and ARGV[a+5] ~= '' then
    local c = claim_one(rest, claims, ARGV[a+1], ARGV[a+5], ARGV[a+2], ARGV[a+6], ARGV[a+7], ARGV[a+8], ARGV[a+9])
    if c.err then return c end
    local both = {r[1]}
    for j = 1, #c do both[j + 1] = c[j] end
    r = both
  end
  results[i] = r
end
return results
