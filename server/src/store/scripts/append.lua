-- Appends one event to a conversation's log, atomically, and publishes it.
-- KEYS: 1 conversation hash, 2 members set, 3 log hash, 4 client_ids hash, 5 read marks hash
-- ARGV: 1 sender id, 2 de-dup field ('' = none), 3 seq floor (highest seq this instance
--       has seen; a counter at or below it means Redis lost writes), 4 event JSON without
--       its opening '{' and without seq/ts, 5 channel, 6 conversation id,
--       7 '1' when the event is a message (moves last_message_seq and the author's marks),
--       8 seq of a message to replace ('' = none), 9 its expected current JSON, 10 its new JSON,
--       11 the membership version the caller decided on ('' = do not check),
--       12.. membership changes applied with the event, as triples (op, user id, value):
--            'add' uid role | 'remove' uid '' | 'role' uid role | 'title' '' title
-- Further KEYS for membership changes: 6 roles hash, 7 joined hash, 8 former hash,
--   9 delivered marks hash.
-- Returns {seq, ts, duplicate (0/1), rolled_back (0/1)}, or {-1} not a member,
-- {-2} the message to replace or the membership changed meanwhile.
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
if ARGV[11] ~= '' and (redis.call('HGET', KEYS[1], 'members_version') or '0') ~= ARGV[11] then
  return {-2}
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
-- Numbers become strings once: Lua formats a number with sprintf each time it is
-- concatenated or passed to redis.call, which was a measurable part of this script.
local seq_s = tostring(seq)
local ts_s = tostring(ts)
local event = '{"seq":' .. seq_s .. ',"ts":' .. ts_s .. ',' .. ARGV[4]
redis.call('HSET', KEYS[3], seq_s, event)
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'last_activity', ts_s, 'last_message_seq', seq_s)
  -- The author has their own message, and has read everything before it.
  redis.call('HSET', KEYS[5], ARGV[1], seq_s)
  if KEYS[9] then
    redis.call('HSET', KEYS[9], ARGV[1], seq_s)
  end
else
  redis.call('HSET', KEYS[1], 'last_activity', ts_s)
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[2], seq_s .. ':' .. ts_s)
end
redis.call('PUBLISH', ARGV[5],
  '{"type":"event","conversation_id":"' .. ARGV[6] .. '","event":' .. event .. '}')
-- Membership changes, after the event's publish so that a removed member still receives
-- the event that removes them, then the notice that stops their fan-out.
for i = 12, #ARGV, 3 do
  local op, user, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if op == 'add' then
    redis.call('SADD', KEYS[2], user)
    redis.call('SADD', 'tidings:user:' .. user .. ':conversations', ARGV[6])
    redis.call('HSET', KEYS[7], user, seq)
    redis.call('HDEL', KEYS[8], user)
    if value == 'member' then
      redis.call('HDEL', KEYS[6], user)
    else
      redis.call('HSET', KEYS[6], user, value)
    end
  elseif op == 'remove' then
    redis.call('SREM', KEYS[2], user)
    redis.call('HDEL', KEYS[6], user)
    redis.call('HSET', KEYS[8], user, seq)
    redis.call('PUBLISH', 'tidings:ch:user:' .. user,
      '{"type":"removed","conversation_id":"' .. ARGV[6] .. '","through":' .. seq .. '}')
  elseif op == 'role' then
    if value == 'member' then
      redis.call('HDEL', KEYS[6], user)
    else
      redis.call('HSET', KEYS[6], user, value)
    end
  elseif op == 'title' then
    redis.call('HSET', KEYS[1], 'title', value)
  end
end
if #ARGV >= 12 then
  redis.call('HINCRBY', KEYS[1], 'members_version', 1)
end
return {seq, ts, 0, rolled_back}
