/**
 * `xadd` with `dedupe`: an idempotent add, one Lua script so that the look-up
 * of the idempotency key, the add, the key's `SET ... PX` and the stream's
 * expiry run as one atomic step: two adds with the same key never both add.
 *
 * @internal
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import { expireLua, missingFields, pushExpiry } from "./addAll.js"
import * as Decoders from "./decoders.js"
import type { Runner } from "./script.js"
import { script } from "./script.js"
import type { Argument } from "./send.js"

/**
 * `KEYS[1]` is the stream, `KEYS[2]` the idempotency key; `ARGV` the window
 * (ms), the expiry (two arguments), then the arguments of `XADD` after the key.
 */
const addOnceScript = script(`
local first = redis.call("GET", KEYS[2])
if first then return first end
local id = redis.call("XADD", KEYS[1], unpack(ARGV, 4))
if not id then return false end
redis.call("SET", KEYS[2], id, "PX", ARGV[1])
${expireLua(2)}
return id
`)

/**
 * The idempotent add over a script runner; failures report the command as
 * `XADD`. An add without fields is refused before the script, with the
 * message of a plain `XADD` (inside a script Redis words it differently).
 */
export const makeAddOnce =
  (evaluate: Runner) =>
  (
    key: string,
    xaddArgs: ReadonlyArray<Argument>,
    hasFields: boolean,
    dedupe: RedisClient.Dedupe,
    expire: RedisClient.Expiry | undefined
  ): Effect.Effect<string | null, Errors.RedisError> => {
    if (!hasFields) return Effect.fail(missingFields)
    const args: Array<Argument> = ["", 2, key, dedupe.key, dedupe.windowMillis]
    pushExpiry(args, expire)
    for (const arg of xaddArgs) args.push(arg)
    return evaluate(addOnceScript, args, "XADD", Decoders.idOrNull)
  }
