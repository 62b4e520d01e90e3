/**
 * `xgroupDelConsumerIfNoPending`: deletes a consumer only when it has no
 * pending entries, in one atomic step (a Lua script), so that no entry can
 * be delivered to it between the check and the deletion and then be lost
 * with it.
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"
import * as Decoders from "./decoders.js"
import type { Runner } from "./script.js"
import { script } from "./script.js"

/**
 * `KEYS[1]` is the stream, `ARGV` the group and the consumer. Returns 1 when
 * the consumer was deleted, 0 when it has pending entries or the key, the
 * group or the consumer does not exist; other errors (`WRONGTYPE`) are
 * passed on.
 */
const deleteIfIdleScript = script(`
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local consumers = redis.pcall("XINFO", "CONSUMERS", KEYS[1], ARGV[1])
if type(consumers) == "table" and consumers.err then
  if string.sub(consumers.err, 1, 7) == "NOGROUP" then return 0 end
  return consumers
end
for _, consumer in ipairs(consumers) do
  local name, pending
  for i = 1, #consumer, 2 do
    if consumer[i] == "name" then name = consumer[i + 1] elseif consumer[i] == "pending" then pending = consumer[i + 1] end
  end
  if name == ARGV[2] then
    if pending ~= 0 then return 0 end
    redis.call("XGROUP", "DELCONSUMER", KEYS[1], ARGV[1], ARGV[2])
    return 1
  end
end
return 0
`)

/** `xgroupDelConsumerIfNoPending` over a script runner; failures report the command as `XGROUP`. */
export const makeDeleteConsumerIfNoPending =
  (evaluate: Runner): RedisClient.Service["xgroupDelConsumerIfNoPending"] =>
  (key, group, consumer) =>
    evaluate(deleteIfIdleScript, ["", 1, key, group, consumer], "XGROUP", Decoders.flag)
