-- seqtrack: helpers prepended to every script.
--
-- Resting state: one field per aggregate in a per-bucket HASH (KEYS[1]); value "<last>" or "<last>:<fence>".
-- The empty field of that hash (no aggregate id is empty) holds the bucket's fencing floor: the highest fence of any
-- aggregate deleted from the bucket. An aggregate the bucket does not know starts its fence there, so tokens issued
-- after a delete are above every token issued before it (invariant 9).
-- Claims: one field per claimed aggregate in a per-bucket HASH (KEYS[2]); value "<token>:<seq>:<expiresAtMs>:<owner>".
-- Sequences are compared as decimal strings: Lua numbers are doubles and lose precision above 2^53, while sequences
-- may reach 2^63-1. Fencing tokens and times stay far below 2^53 and are handled as numbers.

local function is_dec(s)
  return s ~= nil and #s <= 19 and string.match(s, '^%d+$') ~= nil and (s == '0' or string.sub(s, 1, 1) ~= '0')
end

-- -1, 0, 1 for canonical non-negative decimal strings
local function cmp(a, b)
  if #a ~= #b then
    if #a < #b then return -1 else return 1 end
  end
  if a == b then return 0 end
  if a < b then return -1 else return 1 end
end

local function fmt(n)
  return string.format('%.0f', n)
end

local function corrupt(what, value)
  return redis.error_reply('SEQTRACK_CORRUPT ' .. what .. ' holds ' .. string.format('%q', tostring(value)))
end

local FLOOR = ''

-- the bucket's fencing floor (a number); a value that is not a decimal is corruption
local function fence_floor(rest)
  local f = redis.call('HGET', rest, FLOOR)
  if not f then return 0 end
  if not is_dec(f) then return nil end
  return tonumber(f)
end

-- returns last (string), fence (number); or nil when the stored value cannot be interpreted
-- (an unknown aggregate: '0' and 0; callers that may create it take its fence from fence_floor)
local function parse_rest(v)
  if not v then return '0', 0 end
  local last, fence = string.match(v, '^(%d+):(%d+)$')
  if not last then
    last = v
    fence = '0'
  end
  if not is_dec(last) or not is_dec(fence) then return nil end
  return last, tonumber(fence)
end

local function enc_rest(last, fence)
  if fence == 0 then return last end
  return last .. ':' .. fmt(fence)
end

-- returns token (number), seq (string), expiresAt (number), owner (string); or nil
local function parse_claim(v)
  local token, seq, expires, owner = string.match(v, '^(%d+):(%d+):(%d+):(.+)$')
  if not token or not is_dec(seq) then return nil end
  return tonumber(token), seq, tonumber(expires), owner
end

local function enc_claim(token, seq, expires, owner)
  return fmt(token) .. ':' .. seq .. ':' .. fmt(expires) .. ':' .. owner
end

-- the store's clock, in milliseconds, plus an offset that only tests set. Read once per script run: a script is one
-- atomic step, so every element of a batch is judged at the same instant (and a batch makes one TIME call, not one per
-- element)
local clock_ms
local function now_ms(offset)
  if not clock_ms then
    local t = redis.call('TIME')
    clock_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return clock_ms + tonumber(offset)
end

-- ---------------------------------------------------------------- operations shared by single and batch scripts

-- the wake-up signal: tell subscribed processors that an aggregate with buffered events moved, so they drain it now
local function notify(pending_index, field, channel)
  if channel == '' then return end
  local entry = redis.call('HGET', pending_index, field)
  if entry then redis.call('PUBLISH', channel, entry) end
end

-- An answer that recognises an earlier write (a retried commit or skip, and — when the caller WAITs — a duplicate)
-- writes the aggregate's value again, unchanged: the caller's WAIT then covers that earlier write too, even on a
-- connection other than the one that made it, and a demoted master refuses (READONLY) instead of confirming a write
-- its new master never had. A duplicate is the one answer that acknowledges an event without writing: read from an
-- isolated master, its last committed may be a commit the failover is about to discard.
local function reaffirm(rest, field, v)
  if v then redis.call('HSET', rest, field, v) end
end

-- rest/claims: the bucket hashes; field: the aggregate; seq and prev (seq-1) as decimal strings; mode S|M, with a
-- second letter W when the caller WAITs for replicas (a duplicate is then reaffirmed, see above);
-- pending_index/channel: where to look for buffered successors and whom to tell ('' for nobody)
-- returns {verdict I|D|G, last}
local function advance_one(rest, claims, field, seq, prev, mode, pending_index, channel)
  local v = redis.call('HGET', rest, field)
  local last, fence = parse_rest(v)
  if not last then return corrupt('last committed', v) end
  if cmp(seq, last) <= 0 then
    if string.sub(mode, 2, 2) == 'W' then reaffirm(rest, field, v) end
    return {'D', last}
  end
  if string.sub(mode, 1, 1) == 'S' and prev ~= last then return {'G', last} end
  if not v then
    fence = fence_floor(rest)
    if not fence then return corrupt('fencing floor', redis.call('HGET', rest, FLOOR)) end
  end
  redis.call('HSET', rest, field, enc_rest(seq, fence))
  notify(pending_index, field, channel)
  return {'I', seq}
end

-- rest/claims: the bucket hashes; field: the aggregate; seq, prev (seq-1); mode S|M (+W, as for advance); owner; lease_ms;
-- offset: clock offset ms (tests only)
-- returns {C, last, token} | {D, last} | {G, last} | {B, last, owner, seq, token, expiresAt}
local function claim_one(rest, claims, field, seq, prev, mode, owner, lease_ms, offset)
  local v = redis.call('HGET', rest, field)
  local last, fence = parse_rest(v)
  if not last then return corrupt('last committed', v) end
  if cmp(seq, last) <= 0 then
    if string.sub(mode, 2, 2) == 'W' then reaffirm(rest, field, v) end
    return {'D', last}
  end
  if string.sub(mode, 1, 1) == 'S' and prev ~= last then return {'G', last} end
  local now = now_ms(offset)
  local c = redis.call('HGET', claims, field)
  if c then
    local held_token, held_seq, expires, holder = parse_claim(c)
    if not held_token then return corrupt('claim', c) end
    if now < expires and holder ~= owner then
      return {'B', last, holder, held_seq, fmt(held_token), fmt(expires)}
    end
  end
  if not v then
    fence = fence_floor(rest)
    if not fence then return corrupt('fencing floor', redis.call('HGET', rest, FLOOR)) end
  end
  local token = fence + 1
  redis.call('HSET', rest, field, enc_rest(last, token))
  redis.call('HSET', claims, field, enc_claim(token, seq, now + tonumber(lease_ms), owner))
  return {'C', last, fmt(token)}
end

-- rest/claims: the bucket hashes; field: the aggregate; seq; token_arg: the fencing token; pending_index/channel as above
-- returns {COMMITTED|ALREADY_COMMITTED|CLAIM_LOST}
local function commit_one(rest, claims, field, seq, token_arg, pending_index, channel)
  local v = redis.call('HGET', rest, field)
  if not v then return {'CLAIM_LOST'} end
  local last, fence = parse_rest(v)
  if not last then return corrupt('last committed', v) end
  local token = tonumber(token_arg)
  local c = redis.call('HGET', claims, field)
  if c then
    local ctoken, cseq = parse_claim(c)
    if not ctoken then return corrupt('claim', c) end
    if ctoken == token and cseq == seq then
      -- still the newest token: nobody else can have handled the event, even if the lease ran out
      redis.call('HDEL', claims, field)
      if cmp(seq, last) <= 0 then reaffirm(rest, field, v) return {'ALREADY_COMMITTED'} end
      redis.call('HSET', rest, field, enc_rest(seq, fence))
      notify(pending_index, field, channel)
      return {'COMMITTED'}
    end
    -- seq is committed and the only token issued since ours is the claim of a later sequence: that claim needed our
    -- commit (nobody else held seq after us), so this is a retry of a commit that landed — typically one whose
    -- commit-and-claim moved on to the next sequence, or a worker that claimed the next one right after our commit
    if ctoken == token + 1 and cmp(cseq, seq) > 0 and cmp(seq, last) <= 0 then
      reaffirm(rest, field, v)
      return {'ALREADY_COMMITTED'}
    end
    return {'CLAIM_LOST'}
  end
  if cmp(seq, last) <= 0 and fence == token then reaffirm(rest, field, v) return {'ALREADY_COMMITTED'} end
  return {'CLAIM_LOST'}
end

-- rest/claims: the bucket hashes; field; seq; token_arg; lease_ms; offset (tests only)
-- returns {RENEWED|CLAIM_LOST}: only the claim that token names is extended; renewal never claims anew
local function renew_one(rest, claims, field, seq, token_arg, lease_ms, offset)
  local c = redis.call('HGET', claims, field)
  if not c then return {'CLAIM_LOST'} end
  local ctoken, cseq, expires, owner = parse_claim(c)
  if not ctoken then return corrupt('claim', c) end
  if ctoken ~= tonumber(token_arg) or cseq ~= seq then return {'CLAIM_LOST'} end
  redis.call('HSET', claims, field, enc_claim(ctoken, cseq, now_ms(offset) + tonumber(lease_ms), owner))
  return {'RENEWED'}
end

-- ---------------------------------------------------------------- operator actions (reset, delete)

-- While a worker holds an unexpired claim it may answer duplicates from its own view of the aggregate, without asking
-- the store (sticky ownership, invariant 10). An operator's reset or delete therefore acts only once no such view can
-- still be in use: a live claim is revoked — replaced by an operator hold that lasts until the claim's expiry plus a
-- grace period, and the fence bumped, so the holder's commits, renewals and releases fail and other workers meet BUSY
-- — and the operator comes back once the revoked claim has expired by this clock. The hold's owner names that moment:
-- "seqtrack-operator@<ms>".
-- rest/claims: the bucket hashes; field; offset (tests only); grace_ms: how long the hold outlasts the revoked claim
-- returns nil to go ahead (no live claim, an expired one, or a hold whose moment has come) or {'W', ms to wait}
local function operator_gate(rest, claims, field, offset, grace_ms)
  local c = redis.call('HGET', claims, field)
  if not c then return nil end
  local token, seq, expires, owner = parse_claim(c)
  if not token then return nil end -- a corrupted claim is what the operator action discards
  local now = now_ms(offset)
  local ready = string.match(owner, '^seqtrack%-operator@(%d+)$')
  if ready then
    ready = tonumber(ready)
    if now >= ready or now >= expires then return nil end
    return {'W', fmt(ready - now)}
  end
  if now >= expires then return nil end
  local v = redis.call('HGET', rest, field)
  local last, fence = parse_rest(v)
  if last then
    fence = math.max(fence, token) + 1
    redis.call('HSET', rest, field, enc_rest(last, fence))
  else
    -- a corrupted value (reset will report it, delete discards it) is waited out all the same: the holder may be
    -- answering from the view it had before the damage. The hold's token is above the claim's, and delete raises the
    -- bucket's floor to it
    fence = token + 1
  end
  redis.call('HSET', claims, field, enc_claim(fence, seq, expires + tonumber(grace_ms),
      'seqtrack-operator@' .. fmt(expires)))
  return {'W', fmt(expires - now)}
end
