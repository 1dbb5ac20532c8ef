-- Rotates a refresh token: the presented one must be its family's current token.
-- Presenting an older (already rotated) token means it leaked: the whole family is revoked.
-- KEYS: 1 the presented token's record. ARGV: 1 its hash, 2 the new token's hash, 3 TTL secs.
-- Returns {'ok', user id, family id}, {'invalid'} or {'reused'}.
local family = redis.call('HGET', KEYS[1], 'family')
if not family then
  return {'invalid'}
end
local family_key = 'tidings:refresh_family:' .. family
local current = redis.call('HGET', family_key, 'current')
if current ~= ARGV[1] then
  if current then
    redis.call('DEL', 'tidings:refresh:' .. current)
  end
  redis.call('DEL', family_key)
  return {'reused'}
end
local user = redis.call('HGET', family_key, 'user')
local new_key = 'tidings:refresh:' .. ARGV[2]
redis.call('HSET', new_key, 'family', family, 'user', user)
redis.call('EXPIRE', new_key, ARGV[3])
redis.call('HSET', family_key, 'current', ARGV[2])
redis.call('EXPIRE', family_key, ARGV[3])
return {'ok', user, family}
