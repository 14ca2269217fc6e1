-- Which of the asked aggregates have parked and pending events, for a processor's lane batch in one round trip.
-- KEYS: per aggregate its parked set, then its pending set. Returns EXISTS of each key, in KEYS order. Reads only.
local present = {}
for i = 1, #KEYS do
  present[i] = redis.call('EXISTS', KEYS[i])
end
return present
