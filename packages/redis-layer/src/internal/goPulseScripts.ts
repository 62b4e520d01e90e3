/**
 * Go Pulse v1.6.5's Lua scripts, copied byte for byte from its sources
 * (`rmap/scripts.go` and `streaming/sink.go`, indentation included): Redis
 * caches a script under the SHA-1 of its text, so identical text means both
 * libraries run the very same cached script. Do not reformat them.
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"
import { type Script, script } from "./script.js"

/** The scripts `runScript` runs, by name. */
export const goPulseScripts: { readonly [Name in RedisClient.ScriptName]: Script } = {
  // luaSet, sha1 162f063b50c97b9f8cd2d282de5e1cbddd6559aa
  mapSet: script(`
	   local v = redis.call("HGET", KEYS[1], ARGV[1])
	   redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
	   local rev = tostring(redis.call("HINCRBY", KEYS[1], "=rev", 1))
	   redis.call("HSET", KEYS[1], "=kind", "set")
	   local msg = struct.pack("ic0ic0ic0", string.len(ARGV[1]), ARGV[1], string.len(ARGV[2]), ARGV[2], string.len(rev), rev)
	   redis.call("PUBLISH", KEYS[2], "set:" .. msg)
	   local existed = 0
	   local prev = ""
	   if v then
	      existed = 1
	      prev = v
	   end
	   return {existed, prev, rev}
	`),
  // luaDelete, sha1 bf234528ea85aa0e57eaccbdf6fb2c9fba279c78
  mapDelete: script(`
	   local v = redis.call("HGET", KEYS[1], ARGV[1])
	   if not v then
	      return nil
	   end
	   redis.call("HDEL", KEYS[1], ARGV[1])
	   local rev = tostring(redis.call("HINCRBY", KEYS[1], "=rev", 1))
	   redis.call("HSET", KEYS[1], "=kind", "del")
	   local msg = struct.pack("ic0ic0", string.len(ARGV[1]), ARGV[1], string.len(rev), rev)
	   redis.call("PUBLISH", KEYS[2], "del:" .. msg)
	   return v
	`),
  // luaAppend, sha1 094819f789ece14d4358c194c6a35bdb9a8651b6
  mapAppend: script(`
	   local key = ARGV[1]
	   local v = redis.call("HGET", KEYS[1], key)

	   if #ARGV == 1 then
	      return v
	   end

	   local values = {}
	   if v then
	      local ok, decoded = pcall(cjson.decode, v)
	      if ok and type(decoded) == "table" then
	         values = decoded
	      else
	         for s in string.gmatch(v, "[^,]+") do
	            table.insert(values, s)
	         end
	      end
	   end

	   for i = 2, #ARGV do
	      table.insert(values, ARGV[i])
	   end

	   local encoded = cjson.encode(values)
	   redis.call("HSET", KEYS[1], key, encoded)
	   local rev = tostring(redis.call("HINCRBY", KEYS[1], "=rev", 1))
	   redis.call("HSET", KEYS[1], "=kind", "set")
	   local msg = struct.pack("ic0ic0ic0", string.len(key), key, string.len(encoded), encoded, string.len(rev), rev)
	   redis.call("PUBLISH", KEYS[2], "set:" .. msg)
	   return encoded
	`),
  // luaRemove, sha1 c9ab85cf4e63dc5359ee06bf137424ec4fc70d92
  mapRemove: script(`
	   local key = ARGV[1]
	   local v = redis.call("HGET", KEYS[1], key)

	   if not v or #ARGV == 1 then
	      return {v, 0}
	   end

	   local values = {}
	   local ok, decoded = pcall(cjson.decode, v)
	   if ok and type(decoded) == "table" then
	      values = decoded
	   else
	      for s in string.gmatch(v, "[^,]+") do
	         table.insert(values, s)
	      end
	   end

	   local toRemove = {}
	   for i = 2, #ARGV do
	      toRemove[ARGV[i]] = true
	   end

	   local removed = 0
	   local remaining = {}
	   for _, item in ipairs(values) do
	      if toRemove[item] then
	         removed = 1
	      else
	         table.insert(remaining, item)
	      end
	   end

	   if removed == 0 then
	      return {v, 0}
	   end

	   if #remaining == 0 then
	      redis.call("HDEL", KEYS[1], key)
	      local rev = tostring(redis.call("HINCRBY", KEYS[1], "=rev", 1))
	      redis.call("HSET", KEYS[1], "=kind", "del")
	      local msg = struct.pack("ic0ic0", string.len(key), key, string.len(rev), rev)
	      redis.call("PUBLISH", KEYS[2], "del:" .. msg)
	      return {"", 1}
	   end

	   local encoded = cjson.encode(remaining)
	   redis.call("HSET", KEYS[1], key, encoded)
	   local rev = tostring(redis.call("HINCRBY", KEYS[1], "=rev", 1))
	   redis.call("HSET", KEYS[1], "=kind", "set")
	   local msg = struct.pack("ic0ic0ic0", string.len(key), key, string.len(encoded), encoded, string.len(rev), rev)
	   redis.call("PUBLISH", KEYS[2], "set:" .. msg)
	   return {encoded, 1}
	`),
  // luaDestroy, sha1 e5dc4b25f7246051ce5af55039d967eb3d408b00
  mapDestroy: script(`
	   local rev = redis.call("HINCRBY", KEYS[1], "=rev", 1)
	   redis.call("DEL", KEYS[1])
	   redis.call("HSET", KEYS[1], "=rev", rev, "=kind", "destroy")
	   redis.call("PUBLISH", KEYS[2], "destroy:" .. tostring(rev))
	`),
  // acquireLeaseScript, sha1 b015f43900742c58e16fc7c8cd63f9bd79f0dd0c
  leaseAcquire: script(`
    local key = KEYS[1]
    local new_value = ARGV[1]
    local current_time = ARGV[2]

    local current_value = redis.call("GET", key)
    if current_value == false or tonumber(current_value) < tonumber(current_time) then
        redis.call("SET", key, new_value, "PX", ARGV[3])
        return 1
    end
    return 0
`)
}

/**
 * The same scripts for Redis Cluster. Go's map scripts declare the map's
 * updates channel as a second key, which hashes to another slot than the
 * map's content hash, so a cluster refuses them (`CROSSSLOT`): Go Pulse
 * itself cannot keep a sink on a cluster. Here the channel goes last in
 * `ARGV` instead (taken off first, so the script's own `ARGV` is unchanged)
 * and every key of a script is in one slot. A channel is not a key in a
 * cluster: `PUBLISH` reaches every node's subscribers from any node.
 */
export const goPulseClusterScripts: { readonly [Name in RedisClient.ScriptName]: Script } = Object.fromEntries(
  Object.entries(goPulseScripts).map(([name, { lua }]) => [
    name,
    lua.includes("KEYS[2]")
      ? script(`local updatesChannel = table.remove(ARGV)\n${lua.replaceAll("KEYS[2]", "updatesChannel")}`)
      : script(lua)
  ])
) as { readonly [Name in RedisClient.ScriptName]: Script }

/** Whether a script takes its second key as the updates channel (see {@link goPulseClusterScripts}). */
export const takesChannel = (name: RedisClient.ScriptName): boolean => goPulseScripts[name].lua.includes("KEYS[2]")
