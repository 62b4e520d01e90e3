/**
 * `xaddAll`: many `XADD`s to one key in one round trip, as a Lua script.
 *
 * A script rather than a pipeline because a script runs atomically: the
 * entries get consecutive IDs with nothing in between, as the contract says,
 * and the whole batch is one command on the wire.
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Runner } from "./script.js"
import { script } from "./script.js"
import { type Argument, pushFields } from "./send.js"

/**
 * `KEYS[1]` is the stream; `ARGV` is the trim (`""` for none, `"~"` or `"="`),
 * the `MAXLEN`, then for each entry its number of field/value pairs followed
 * by the pairs.
 */
const addAllScript = script(`
local key = KEYS[1]
local head
if ARGV[1] == "" then
  head = { key, "*" }
else
  head = { key, "MAXLEN", ARGV[1], ARGV[2], "*" }
end
local headLength = #head
local ids = {}
local argc = #ARGV
local i = 3
while i <= argc do
  local valueCount = tonumber(ARGV[i]) * 2
  local command = {}
  for j = 1, headLength do command[j] = head[j] end
  for j = 1, valueCount do command[headLength + j] = ARGV[i + j] end
  ids[#ids + 1] = redis.call("XADD", unpack(command))
  i = i + 1 + valueCount
end
return ids
`)

const decodeIds = (reply: unknown): ReadonlyArray<string> => {
  const raw = reply as ReadonlyArray<Buffer>
  const ids = new Array<string>(raw.length)
  for (let i = 0; i < raw.length; i++) ids[i] = raw[i]!.toString()
  return ids
}

const emptyIds: ReadonlyArray<string> = Object.freeze([])

const missingFields = new Errors.RedisCommandError({
  command: "XADD",
  code: "ERR",
  message: "ERR wrong number of arguments for 'xadd' command"
})

/**
 * `xaddAll` over a script runner. Failures report the command as `XADD`,
 * the command that failed inside the script.
 */
export const makeAddAll =
  (evaluate: Runner): RedisClient.Service["xaddAll"] =>
  (key, entries, options) => {
    if (entries.length === 0) return Effect.succeed(emptyIds)
    const trim = options?.trim
    const args: Array<Argument> = [
      "",
      1,
      key,
      trim === undefined ? "" : trim.approximate ? "~" : "=",
      trim?.maxLen ?? 0
    ]
    for (const fields of entries) {
      // XADD needs at least one pair; refusing the batch here keeps the entries before it from being added.
      if (fields.length === 0) return Effect.fail(missingFields)
      args.push(fields.length)
      pushFields(args, fields)
    }
    return evaluate(addAllScript, args, "XADD", decodeIds)
  }
