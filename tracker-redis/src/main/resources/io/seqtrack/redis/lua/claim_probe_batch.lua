-- a batch of claim calls, each followed by a read of its aggregate's event buffer, in one atomic step: what a
-- processor's lane asks before it runs handlers (SequenceStore#claimAllAndProbe). K holds (rest, claim, parked set,
-- pending set) quadruples, A 7 values per call (see the prelude). Per call: claim_one's reply followed by EXISTS of the
-- parked set and of the pending set, read after the claim; {'X', why} for a call whose slot this node does not serve
-- (node-wide only; nothing done for it), or {'E', error} for a call whose stored state cannot be interpreted (nothing
-- done for it). All of it runs or none of it does (a missing script fails the whole call).
local results = {}
for i = 1, #K / 4 do
  if X[i] then
    results[i] = {'X', X[i]}
  else
    local r = claim_one(K[4*i-3], K[4*i-2], A[7*(i-1)+1], A[7*(i-1)+2], A[7*(i-1)+3], A[7*(i-1)+4], A[7*(i-1)+5],
      A[7*(i-1)+6], A[7*(i-1)+7])
    if r.err then
      r = {'E', r.err}
    else
      -- mostly neither exists: one call answers that; only if one does, ask which
      if redis.call('EXISTS', K[4*i-1], K[4*i]) == 0 then
        r[#r + 1] = 0
        r[#r + 1] = 0
      else
        r[#r + 1] = redis.call('EXISTS', K[4*i-1])
        r[#r + 1] = redis.call('EXISTS', K[4*i])
      end
    end
    results[i] = r
  end
end
return results
