-- a batch of advance calls in one atomic step: K holds (rest, claim, pending index) triples, A 5 values per call (see
-- the prelude: KEYS/ARGV for a call on one slot, ARGV alone for a node-wide call). Per call its answer, or {'X', why}
-- for a call whose slot this node does not serve (node-wide only; nothing done for it), or {'E', error} for a call
-- whose stored state cannot be interpreted (nothing done for it either). All of it runs or none of it does (a missing
-- script fails the whole call), so a lost script cache can never reorder the calls of one batch.
local results = {}
for i = 1, #K / 3 do
  if X[i] then
    results[i] = {'X', X[i]}
  else
    local r = advance_one(K[3*i-2], K[3*i-1], A[5*(i-1)+1], A[5*(i-1)+2], A[5*(i-1)+3], A[5*(i-1)+4], K[3*i],
      A[5*(i-1)+5])
    if r.err then r = {'E', r.err} end
    results[i] = r
  end
end
return results
