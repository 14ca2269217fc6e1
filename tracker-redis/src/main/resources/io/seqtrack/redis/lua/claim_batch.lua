-- a batch of claim calls in one atomic step: KEYS holds (rest, claim) pairs, ARGV 7 values per call.
-- All of it runs or none of it does (a missing script fails the whole call), so a lost script cache can never
-- reorder the calls of one batch. A corrupted value stops the batch with an error; the calls before it took effect.
local results = {}
for i = 1, #KEYS / 2 do
  local r = claim_one(KEYS[2*i-1], KEYS[2*i], ARGV[7*(i-1)+1], ARGV[7*(i-1)+2], ARGV[7*(i-1)+3], ARGV[7*(i-1)+4], ARGV[7*(i-1)+5], ARGV[7*(i-1)+6], ARGV[7*(i-1)+7])
  if r.err then return r end
  results[i] = r
end
return results
