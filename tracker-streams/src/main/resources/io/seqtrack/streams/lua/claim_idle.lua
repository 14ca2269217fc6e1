-- The claim of a streams runner's takeover round (StreamsLoop.takeOver, through IdleClaim).
-- KEYS[1] the stream; ARGV[1] the group, ARGV[2] this consumer, ARGV[3] claimIdle in ms, ARGV[4..] the ids the
-- round's XPENDING … IDLE scan found idle. One key: on a Cluster the script runs on the master of the stream's slot.
--
-- Between the scan and the claim a peer may take an entry over, refresh it or acknowledge it (two consumers racing
-- for a dead one's entries); XCLAIM then leaves it out of its reply, exactly as it leaves out an entry deleted from
-- the stream — so "missing from the reply" cannot tell a gap from a lost race. Hence, per id, in one atomic step: an
-- id no longer pending, or no longer idle past claimIdle, is not this consumer's this round (left out: no report, no
-- claim). One still pending and idle whose entry the stream no longer holds (XRANGE id id is empty: MAXLEN, XTRIM,
-- XDEL) was trimmed while pending — a gap: reported, and dropped from the pending list (XACK; Redis 7's XCLAIM drops
-- it too, and nobody can process it). The others are claimed (XCLAIM … MIN-IDLE claimIdle: one delivery counted).
--
-- Returns {XCLAIM's reply {{id, {field, value, …}}, …}, {id, owner, deliveries, …} of the claimed ids as found
-- before the claim, {id, owner, deliveries, …} of the ids trimmed while pending}.
local stream, group, me, idle = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local claim, from, gone = {}, {}, {}
for i = 4, #ARGV do
    local id = ARGV[i]
    local pending = redis.call('XPENDING', stream, group, 'IDLE', idle, id, id, 1)
    if #pending > 0 then
        local found = from
        if #redis.call('XRANGE', stream, id, id) == 0 then
            found = gone
        else
            claim[#claim + 1] = id
        end
        found[#found + 1] = id
        found[#found + 1] = pending[1][2]
        found[#found + 1] = pending[1][4]
    end
end
if #gone > 0 then
    local ack = {'XACK', stream, group}
    for i = 1, #gone, 3 do
        ack[#ack + 1] = gone[i]
    end
    redis.call(unpack(ack))
end
local claimed = {}
if #claim > 0 then
    local command = {'XCLAIM', stream, group, me, idle}
    for _, id in ipairs(claim) do
        command[#command + 1] = id
    end
    claimed = redis.call(unpack(command))
end
return {claimed, from, gone}
