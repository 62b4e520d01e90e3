/**
 * `delIfEquals`: compare-and-delete in one atomic step (a Lua script), so
 * that a holder releasing a lease that expired meanwhile never deletes the
 * lease another holder has taken since.
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"
import * as Decoders from "./decoders.js"
import type { Runner } from "./script.js"
import { script } from "./script.js"

/** `KEYS[1]` is the key, `ARGV[1]` the value it must hold; returns 1 when it was deleted. */
const delIfEqualsScript = script(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`)

/** `delIfEquals` over a script runner; failures report the command as `EVAL`. */
export const makeDelIfEquals =
  (evaluate: Runner): RedisClient.Service["delIfEquals"] =>
  (key, value) =>
    evaluate(delIfEqualsScript, ["", 1, key, value], "EVAL", Decoders.flag)
