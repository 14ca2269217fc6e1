-- a batch of commit calls in one atomic step: KEYS holds (rest, claim, pending index) triples, ARGV 4 values per call.
-- All of it runs or none of it does (a missing script fails the whole call), so a lost script cache can never
-- reorder the calls of one batch. A corrupted value stops the batch with an error; the calls before it took effect.
local results = {}
for i = 1, #KEYS / 3 do
  local r = commit_one(KEYS[3*i-2], KEYS[3*i-1], ARGV[4*(i-1)+1], ARGV[4*(i-1)+2], ARGV[4*(i-1)+3], KEYS[3*i],
    ARGV[4*(i-1)+4])
  if r.err then return r end
  results[i] = r
end
return results
