-- Moves a member's delivered or read mark forward and, when it moved, publishes both marks.
-- Reading implies delivery: a read mark also raises the delivered mark.
-- KEYS: 1 members set, 2 delivered hash, 3 read hash, 4 conversation hash
-- ARGV: 1 user id, 2 'delivered' | 'read', 3 seq, 4 channel, 5 conversation id
-- Returns {-1} not a member, else {moved (0/1), delivered, read}.
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  return {-1}
end
local head = tonumber(redis.call('HGET', KEYS[4], 'head') or '0')
local seq = math.min(tonumber(ARGV[3]), head)
local delivered = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local read = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
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
