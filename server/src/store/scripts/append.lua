-- Appends one event to a conversation's log, atomically, and publishes it.
-- KEYS: 1 conversation hash, 2 members set, 3 log hash, 4 client_ids hash, 5 read marks hash
-- ARGV: 1 sender id, 2 de-dup field ('' = none), 3 seq floor (highest seq this instance
--       has seen; a counter at or below it means Redis lost writes), 4 event JSON without
--       its opening '{' and without seq/ts, 5 channel, 6 conversation id,
--       7 '1' when the event is a message (moves last_message_seq and the author's read mark),
--       8 seq of a message to replace ('' = none), 9 its expected current JSON, 10 its new JSON
-- Returns {seq, ts, duplicate (0/1), rolled_back (0/1)}, or {-1} not a member,
-- {-2} the message to replace changed meanwhile.
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  return {-1}
end
if ARGV[2] ~= '' then
  local prev = redis.call('HGET', KEYS[4], ARGV[2])
  if prev then
    local s, t = string.match(prev, '^(%d+):(%d+)$')
    return {tonumber(s), tonumber(t), 1, 0}
  end
end
if ARGV[8] ~= '' then
  if redis.call('HGET', KEYS[3], ARGV[8]) ~= ARGV[9] then
    return {-2}
  end
  redis.call('HSET', KEYS[3], ARGV[8], ARGV[10])
end
local floor = tonumber(ARGV[3])
local seq = redis.call('HINCRBY', KEYS[1], 'head', 1)
local rolled_back = 0
if seq <= floor then
  seq = floor + 1
  redis.call('HSET', KEYS[1], 'head', seq)
  rolled_back = 1
end
local now = redis.call('TIME')
local ts = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local event = '{"seq":' .. seq .. ',"ts":' .. ts .. ',' .. ARGV[4]
redis.call('HSET', KEYS[3], seq, event)
redis.call('HSET', KEYS[1], 'last_activity', ts)
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'last_message_seq', seq)
  local read = tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0')
  if read < seq then
    redis.call('HSET', KEYS[5], ARGV[1], seq)
  end
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[2], seq .. ':' .. ts)
end
redis.call('PUBLISH', ARGV[5],
  '{"type":"event","conversation_id":"' .. ARGV[6] .. '","event":' .. event .. '}')
return {seq, ts, 0, rolled_back}
