-- Appends events to conversations' logs, each atomically, and publishes them. One call
-- carries a batch of appends (a group commit, see store/appends.rs): Redis then runs
-- the script once and syncs its AOF once for all of them.
--
-- Each append has 6 KEYS, or 9 when it changes the membership (ARGV count n >= 12), in
-- this order:
--   1 conversation hash, 2 members set, 3 log hash, 4 client_ids hash, 5 read marks hash,
--   6 delivered marks hash, 7 roles hash, 8 joined hash, 9 former members hash
-- and in ARGV a count n of its arguments followed by them (arguments past n read as ''):
--   1 sender id, 2 de-dup field ('' = none), 3 seq floor (highest seq the instance has
--   seen; a counter at or below it means Redis lost writes), 4 event JSON without its
--   opening '{' and without seq/ts, 5 channel, 6 conversation id,
--   7 '1' when the event is a message (moves last_message_seq and the author's read mark),
--   8 seq of a message to replace ('' = none), 9 its expected current JSON, 10 its new JSON,
--   11 the membership version the caller decided on ('' = do not check),
--   12..n membership changes applied with the event, as triples (op, user id, value):
--         'add' uid role | 'remove' uid '' | 'role' uid role | 'title' '' title
-- A plain message passes 7 arguments and 6 keys: every argument and key costs Redis a
-- parse and Lua a string, on the path every message takes.
-- Returns four integers per append, in order: {seq, ts, duplicate (0/1), rolled_back (0/1)},
-- or {-1, 0, 0, 0} not a member, {-2, 0, 0, 0} the message to replace or the membership
-- changed meanwhile.

-- The roles hash holds owners and admins only; a plain member has no entry.
local function set_role(roles, user, role)
  if role == 'member' then
    redis.call('HDEL', roles, user)
  else
    redis.call('HSET', roles, user, role)
  end
end

-- One append; k and a are the offsets of its KEYS and of its arguments (after the count);
-- ts_s the call's time in ms (one TIME for the whole batch).
local function append(k, a, n, ts, ts_s)
  local sender, dedup = ARGV[a + 1], ARGV[a + 2]
  if redis.call('SISMEMBER', KEYS[k + 2], sender) == 0 then
    return -1, 0, 0, 0
  end
  local version = n >= 11 and ARGV[a + 11] or ''
  if version ~= '' and (redis.call('HGET', KEYS[k + 1], 'members_version') or '0') ~= version then
    return -2, 0, 0, 0
  end
  local replace_seq = n >= 8 and ARGV[a + 8] or ''
  if replace_seq ~= '' and redis.call('HGET', KEYS[k + 3], replace_seq) ~= ARGV[a + 9] then
    return -2, 0, 0, 0
  end
  -- The head is read here and written below with the conversation's other fields, in
  -- one HSET: one command fewer in the AOF than an HINCRBY of its own.
  local floor = tonumber(ARGV[a + 3])
  local seq = tonumber(redis.call('HGET', KEYS[k + 1], 'head') or '0') + 1
  local rolled_back = 0
  if seq <= floor then
    seq = floor + 1
    rolled_back = 1
  end
  -- Numbers become strings once: Lua formats a number with sprintf each time it is
  -- concatenated or passed to redis.call, which was a measurable part of this script.
  local seq_s = tostring(seq)
  if dedup ~= '' then
    -- Claims the client id for this seq; a claim already there is the first send's,
    -- which this one repeats. One command instead of a lookup and a later write.
    if redis.call('HSETNX', KEYS[k + 4], dedup, seq_s .. ':' .. ts_s) == 0 then
      local s, t = string.match(redis.call('HGET', KEYS[k + 4], dedup), '^(%d+):(%d+)$')
      return tonumber(s), tonumber(t), 1, 0
    end
  end
  if replace_seq ~= '' then
    redis.call('HSET', KEYS[k + 3], replace_seq, ARGV[a + 10])
  end
  local event = '{"seq":' .. seq_s .. ',"ts":' .. ts_s .. ',' .. ARGV[a + 4]
  redis.call('HSET', KEYS[k + 3], seq_s, event)
  if ARGV[a + 7] == '1' then
    redis.call('HSET', KEYS[k + 1], 'head', seq_s, 'last_activity', ts_s, 'last_message_seq', seq_s)
    -- The author has read everything up to their own message. Their delivered mark is
    -- not written: reading implies delivery, and readers of the delivered marks take
    -- the larger of the two (receipt.lua, store/conversations.rs).
    redis.call('HSET', KEYS[k + 5], sender, seq_s)
  else
    redis.call('HSET', KEYS[k + 1], 'head', seq_s, 'last_activity', ts_s)
  end
  local cid = ARGV[a + 6]
  redis.call('PUBLISH', ARGV[a + 5],
    '{"type":"event","conversation_id":"' .. cid .. '","event":' .. event .. '}')
  -- Membership changes, after the event's publish so that a removed member still
  -- receives the event that removes them, then the notice that stops their fan-out.
  for i = a + 12, a + n, 3 do
    local op, user, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    if op == 'add' then
      redis.call('SADD', KEYS[k + 2], user)
      redis.call('SADD', 'tidings:user:' .. user .. ':conversations', cid)
      redis.call('HSET', KEYS[k + 8], user, seq_s)
      redis.call('HDEL', KEYS[k + 9], user)
      set_role(KEYS[k + 7], user, value)
    elseif op == 'remove' then
      redis.call('SREM', KEYS[k + 2], user)
      redis.call('HDEL', KEYS[k + 7], user)
      redis.call('HSET', KEYS[k + 9], user, seq_s)
      redis.call('PUBLISH', 'tidings:ch:user:' .. user,
        '{"type":"removed","conversation_id":"' .. cid .. '","through":' .. seq_s .. '}')
    elseif op == 'role' then
      set_role(KEYS[k + 7], user, value)
    elseif op == 'title' then
      redis.call('HSET', KEYS[k + 1], 'title', value)
    end
  end
  if n >= 12 then
    redis.call('HINCRBY', KEYS[k + 1], 'members_version', 1)
  end
  return seq, ts, 0, rolled_back
end

local now = redis.call('TIME')
local call_ts = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local call_ts_s = tostring(call_ts)
local out = {}
local k, a = 0, 0
while a < #ARGV do
  local n = tonumber(ARGV[a + 1])
  local seq, ts, duplicate, rolled_back = append(k, a + 1, n, call_ts, call_ts_s)
  local i = #out
  out[i + 1], out[i + 2], out[i + 3], out[i + 4] = seq, ts, duplicate, rolled_back
  k = k + (n >= 12 and 9 or 6)
  a = a + 1 + n
end
return out
