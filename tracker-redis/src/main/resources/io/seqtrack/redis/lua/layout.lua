-- The layout record (invariant 11): how this prefix's keys are laid out, recorded on first use and checked by every
-- client on connect, so data written under another layout is refused, never read as "nothing committed".
-- KEYS[1] the record HASH <prefix>:layout
-- ARGV[1] layout version, ARGV[2] bucket count ('' = adopt whatever is recorded), ARGV[3] prefix,
-- ARGV[4] this client's near-cache freshness in ms ('0' without a near cache)
-- returns {OK, version, buckets, freshness} | {NONE} (adopting and nothing recorded: nothing written)
--       | {MISMATCH, version, buckets}
local rec = redis.call('HMGET', KEYS[1], 'version', 'buckets', 'prefix', 'near-cache-freshness-ms')
local adopting = ARGV[2] == ''
if not rec[1] then
  if adopting then
    if tonumber(ARGV[4]) > 0 then
      redis.call('HSET', KEYS[1], 'near-cache-freshness-ms', ARGV[4])
    end
    return {'NONE'}
  end
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'buckets', ARGV[2], 'prefix', ARGV[3])
  rec = {ARGV[1], ARGV[2], ARGV[3], rec[4]}
elseif rec[1] ~= ARGV[1] or (not adopting and rec[2] ~= ARGV[2]) then
  return {'MISMATCH', rec[1], tostring(rec[2])}
end
local freshness = tonumber(rec[4] or '0') or 0
if tonumber(ARGV[4]) > freshness then
  freshness = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'near-cache-freshness-ms', ARGV[4])
end
return {'OK', rec[1], rec[2], string.format('%.0f', freshness)}
