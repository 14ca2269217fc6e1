-- node-wide batch (Redis 7, allow-cross-slot-keys): no KEYS — the elements' keys span several slots of this node, and a
-- command's declared keys must share one slot. ARGV: keys per element, element count, every element's keys, then the
-- elements' arguments. Every key is checked before anything is written: an element whose slot this node does not serve
-- now (moved, migrating and the key not here, cluster down) is answered {'X', why} and nothing is done for it, so the
-- client can send it again where it belongs.
local per, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local K, A, X = {}, {}, {}
for i = 1, per * count do K[i] = ARGV[2 + i] end
for i = 3 + per * count, #ARGV do A[#A + 1] = ARGV[i] end
-- one EXISTS of all of an element's keys (they share the aggregate's hash tag, so one slot): it fails if any of them
-- is not served here — moved, or missing from a slot being migrated (a multi-key command then answers "unstable",
-- where a single key would be redirected) — exactly when checking them one by one would, at one call per element
for i = 1, count do
  local r = redis.pcall('EXISTS', unpack(K, per * (i - 1) + 1, per * i))
  if type(r) == 'table' and r.err then
    X[i] = r.err
  end
end
