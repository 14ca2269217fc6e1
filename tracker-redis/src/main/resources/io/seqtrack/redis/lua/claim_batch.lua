-- a batch of claim calls in one atomic step: K holds (rest, claim) pairs, A 7 values per call (see the prelude). Per
-- call its answer, {'X', why} for a call whose slot this node does not serve (node-wide only; nothing done for it), or
-- {'E', error} for a call whose stored state cannot be interpreted (nothing done for it). All of it runs or none of it
-- does (a missing script fails the whole call), so a lost script cache can never reorder the calls of one batch.
local results = {}
for i = 1, #K / 2 do
  if X[i] then
    results[i] = {'X', X[i]}
  else
    local r = claim_one(K[2*i-1], K[2*i], A[7*(i-1)+1], A[7*(i-1)+2], A[7*(i-1)+3], A[7*(i-1)+4], A[7*(i-1)+5],
      A[7*(i-1)+6], A[7*(i-1)+7])
    if r.err then r = {'E', r.err} end
    results[i] = r
  end
end
return results
