-- Raises a numeric hash field to at least a value; it never moves backwards.
-- Used for a conversation's head (so that a seq some client already holds is never handed
-- out again after Redis lost recent writes) and for read marks.
-- KEYS: 1 the hash. ARGV: 1 field, 2 value.
-- Returns {1 if the field was raised else 0, the field's value afterwards}.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local wanted = tonumber(ARGV[2])
if current < wanted then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return {1, wanted}
end
return {0, current}
