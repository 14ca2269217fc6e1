-- a batch of commit calls, each optionally followed by the claim of the next sequence for the committing worker (sticky
-- ownership: one element per handled event), in one atomic step. K holds (rest, claim, pending index) triples, A 9
-- values per call (see the prelude): field, seq, token, channel, next seq ('' for a plain commit), mode, owner, lease
-- ms, clock offset. Per call: {commit result} or, after COMMITTED with a next claim asked for, {COMMITTED, <claim_one's
-- reply>}; the next claim gets the next token, like any claim, and a retried commit still answers ALREADY_COMMITTED
-- (see commit_one). {'X', why} for a call whose slot this node does not serve (node-wide only; nothing done for it),
-- {'E', error} for a call whose stored state cannot be interpreted (its commit may have been done: unknown).
-- All of it runs or none of it does (a missing script fails the whole call).
local results = {}
for i = 1, #K / 3 do
  if X[i] then
    results[i] = {'X', X[i]}
  else
    local a = 9 * (i - 1)
    local rest, claims = K[3*i-2], K[3*i-1]
    local r = commit_one(rest, claims, A[a+1], A[a+2], A[a+3], K[3*i], A[a+4])
    if r.err then
      r = {'E', r.err}
    elseif r[1] == 'COMMITTED' and A[a+5] ~= '' then
      local c = claim_one(rest, claims, A[a+1], A[a+5], A[a+2], A[a+6], A[a+7], A[a+8], A[a+9])
      if c.err then
        r = {'E', c.err}
      else
        local both = {r[1]}
        for j = 1, #c do both[j + 1] = c[j] end
        r = both
      end
    end
    results[i] = r
  end
end
return results
