-- Moves a member's delivered or read mark forward and, when it moved, publishes both marks.
-- Reading implies delivery: a member's delivered mark is the larger of the two stored
-- marks (an author's append moves only their read mark, see append.lua), and a read mark
-- stored here raises the stored delivered mark too.
-- KEYS: 1 members set, 2 delivered hash, 3 read hash, 4 conversation hash
-- ARGV: 1 user id, 2 'delivered' | 'read', 3 seq, 4 channel, 5 conversation id
-- Returns {-1} not a member, else {moved (0/1), delivered, read}.
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  return {-1}
end
local head = tonumber(redis.call('HGET', KEYS[4], 'head') or '0')
local seq = math.min(tonumber(ARGV[3]), head)
local read = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
local delivered = math.max(tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0'), read)
local moved = 0
if ARGV[2] == 'read' and seq > read then
  read = seq
  redis.call('HSET', KEYS[3], ARGV[1], read)
  moved = 1
end
local floor = math.max(seq, read)
if ARGV[2] == 'read' then
  floor = read
end
if floor > delivered then
  delivered = floor
  redis.call('HSET', KEYS[2], ARGV[1], delivered)
  moved = 1
end
if moved == 1 then
  redis.call('PUBLISH', ARGV[4], '{"type":"receipt","conversation_id":"' .. ARGV[5] ..
    '","user_id":"' .. ARGV[1] .. '","delivered_seq":' .. delivered .. ',"read_seq":' .. read .. '}')
end
return {moved, delivered, read}
