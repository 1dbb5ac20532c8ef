-- Records one device's presence and recomputes the person's, atomically.
-- KEYS: 1 the user's devices zset (device → expiry ms), 2 the devices' states hash,
--       3 the user hash (fields presence, last_seen), 4 the global expiring zset (user →
--       earliest device expiry)
-- ARGV: 1 user id, 2 now ms, 3 'set' | 'gone' | 'sweep', 4 device, 5 'online' | 'away',
--       6 expiry ms, 7 TTL ms
-- Returns {} when the person's presence did not change, else {state, last_seen}.
local now = tonumber(ARGV[2])
if ARGV[3] == 'sweep' then
  -- Every instance sweeps the same agenda: a user another instance has just swept (or
  -- who has no devices left) is no longer due, and no device of theirs has expired.
  local due = redis.call('ZSCORE', KEYS[4], ARGV[1])
  if not due or tonumber(due) > now then
    return {}
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
local last_alive = nil
for i = 1, #expired, 2 do
  redis.call('ZREM', KEYS[1], expired[i])
  redis.call('HDEL', KEYS[2], expired[i])
  local seen = tonumber(expired[i + 1]) - tonumber(ARGV[7])
  if not last_alive or seen > last_alive then
    last_alive = seen
  end
end
if ARGV[3] == 'set' then
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
elseif ARGV[3] == 'gone' then
  redis.call('ZREM', KEYS[1], ARGV[4])
  redis.call('HDEL', KEYS[2], ARGV[4])
  last_alive = now
end
local state = 'offline'
for _, device_state in ipairs(redis.call('HVALS', KEYS[2])) do
  if device_state == 'online' then
    state = 'online'
    break
  end
  state = 'away'
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if earliest[2] then
  redis.call('ZADD', KEYS[4], earliest[2], ARGV[1])
else
  redis.call('ZREM', KEYS[4], ARGV[1])
end
local previous = redis.call('HGET', KEYS[3], 'presence') or 'offline'
if state == previous then
  return {}
end
redis.call('HSET', KEYS[3], 'presence', state)
local last_seen = now
if state == 'offline' then
  last_seen = last_alive or now
end
redis.call('HSET', KEYS[3], 'last_seen', last_seen)
return {state, last_seen}
