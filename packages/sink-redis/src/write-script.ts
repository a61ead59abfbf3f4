/**
 * Stores a record unless a higher generation is stored, atomically (a script runs alone on the server).
 * KEYS[1] record key. ARGV: 1 record JSON, 2 generation, 3 PXAT in epoch ms ("" for no expiry),
 * 4 event message, 5 events channel ("" for no PUBLISH).
 * Returns {"stale", stored generation} | {"unchanged", generation} | {"written", generation}.
 * An unreadable stored value (not our JSON) is replaced.
 */
export const WRITE_RECORD_LUA = `
local stored = redis.call('GET', KEYS[1])
local generation = tonumber(ARGV[2])
if stored then
  local ok, decoded = pcall(cjson.decode, stored)
  if ok and type(decoded) == 'table' and type(decoded.generation) == 'number' then
    if decoded.generation > generation then
      return {'stale', decoded.generation}
    end
    if decoded.generation == generation and stored == ARGV[1] then
      return {'unchanged', generation}
    end
  end
end
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
if ARGV[5] ~= '' then
  redis.call('PUBLISH', ARGV[5], ARGV[4])
end
return {'written', generation}
`;
