-- Creates a conversation with its first log entry, atomically. For a direct conversation,
-- returns the existing one of the pair instead when there is one.
-- KEYS: 1 conversation hash, 2 members set, 3 log hash, 4 direct-pair key (groups: unused),
--       5 roles hash, 6 joined hash,
--       7.. each member's conversations set (same order as the member ids in ARGV)
-- ARGV: 1 conversation id, 2 kind, 3 title ('' = none), 4 creator id,
--       5 `created` event JSON without its opening '{' and without seq/ts, 6.. member ids
-- Returns {conversation id, 1 created / 0 existed}.
if ARGV[2] == 'direct' then
  local existing = redis.call('GET', KEYS[4])
  if existing then
    return {existing, 0}
  end
  redis.call('SET', KEYS[4], ARGV[1])
end
local now = redis.call('TIME')
local ts = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[1], 'kind', ARGV[2], 'created_by', ARGV[4], 'created_at', ts,
  'head', 1, 'last_activity', ts, 'last_message_seq', 0)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'title', ARGV[3])
end
for i = 6, #ARGV do
  redis.call('SADD', KEYS[2], ARGV[i])
  redis.call('SADD', KEYS[i + 1], ARGV[1])
  redis.call('HSET', KEYS[6], ARGV[i], 1)
end
if ARGV[2] == 'group' then
  redis.call('HSET', KEYS[5], ARGV[4], 'owner')
end
redis.call('HSET', KEYS[3], 1, '{"seq":1,"ts":' .. ts .. ',' .. ARGV[5])
return {ARGV[1], 1}
