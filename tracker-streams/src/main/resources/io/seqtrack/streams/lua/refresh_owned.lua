-- The owner-checked refresh of a streams runner's in-flight entries (StreamsLoop.keepInFlightEntriesFresh).
-- KEYS[1] the stream; ARGV[1] the group, ARGV[2] this consumer, ARGV[3..] the entry ids it still works on.
-- One key: on a Cluster the script runs on the master of the stream's slot.
--
-- An id still pending and owned by this consumer gets its idle time reset (XCLAIM … 0 … JUSTID: no delivery
-- counted). An id a peer owns now (it took the entry over while this consumer was stalled past claimIdle) is left
-- to the peer — a plain XCLAIM with min-idle 0 would take it back — and so is an id no longer pending (acknowledged,
-- or dropped by Redis as deleted). An id still pending here whose entry the stream no longer holds is kept as it is
-- (see below). The check and the claim are one atomic step: no peer can claim in between.
--
-- Returns {refreshed count, {id, owner, id, owner, …} of ids taken over by a peer, {ids no longer pending}}.
local stream, group, me = KEYS[1], ARGV[1], ARGV[2]
local mine, taken, gone, kept = {}, {}, {}, 0
for i = 3, #ARGV do
    local id = ARGV[i]
    local pending = redis.call('XPENDING', stream, group, id, id, 1)
    if #pending == 0 then
        gone[#gone + 1] = id
    elseif pending[1][2] ~= me then
        taken[#taken + 1] = id
        taken[#taken + 1] = pending[1][2]
    elseif #redis.call('XRANGE', stream, id, id, 'COUNT', 1) == 0 then
        -- deleted (trimmed) while pending here: XCLAIM would drop it from the pending list without a word, and the
        -- runner, taking it for acknowledged, would give up the copy it still retries. It stays this runner's,
        -- unrefreshed: the runner commits its copy, or a takeover reports the gap once it idles
        kept = kept + 1
    else
        mine[#mine + 1] = id
    end
end
if #mine > 0 then
    local claim = {'XCLAIM', stream, group, me, '0'}
    for _, id in ipairs(mine) do
        claim[#claim + 1] = id
    end
    claim[#claim + 1] = 'JUSTID'
    redis.call(unpack(claim))
end
return {#mine, taken, gone}
