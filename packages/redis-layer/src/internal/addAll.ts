/**
 * The adds that run as Lua scripts: `xaddAll` (many `XADD`s to one key in one
 * round trip) and `xadd` with an expiry.
 *
 * Scripts rather than pipelines or `MULTI` because a script runs atomically
 * and is one command on the wire: the entries of a batch get consecutive IDs
 * with nothing in between, and an add and its `PEXPIRE` go together:
 * nothing runs in between. Redis does not undo a script's writes when a
 * later command in it fails, so the caller validates the expiry first
 * (`EventStream` does): then Redis cannot refuse it after the add, and an
 * add Redis refuses stored nothing. (One whose connection drops before the
 * reply may have run: its `RedisConnectionError` says so.)
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import * as Decoders from "./decoders.js"
import type { Runner } from "./script.js"
import { script } from "./script.js"
import { type Argument, pushFields, toArgument } from "./send.js"

/** The expiry arguments the scripts take: the milliseconds (`""` for none) and the condition (`""` for none). */
export const pushExpiry = (args: Array<Argument>, expire: RedisClient.Expiry | undefined): void => {
  args.push(expire === undefined ? "" : expire.millis, expire?.condition ?? "")
}

/** Lua that runs `PEXPIRE KEYS[1]` with the expiry arguments at `ARGV[at]` and `ARGV[at + 1]`. */
export const expireLua = (at: number) => `
if ARGV[${at}] ~= "" then
  if ARGV[${at + 1}] == "" then
    redis.call("PEXPIRE", KEYS[1], ARGV[${at}])
  else
    redis.call("PEXPIRE", KEYS[1], ARGV[${at}], ARGV[${at + 1}])
  end
end
`

/**
 * `KEYS[1]` is the stream; `ARGV` is the trim (`""` for none, `"~"` or `"="`),
 * the `MAXLEN`, the expiry (two arguments), then for each entry its number of
 * field/value pairs followed by the pairs.
 *
 * Only the first and the last `XADD` trim: the first so that Redis checks
 * the trim arguments before anything is stored (a refused `MAXLEN` fails the
 * part with nothing added), the last for the result. The script only grows
 * the stream and runs atomically, so trimming at the end leaves what
 * trimming after each entry would: `MAXLEN =` keeps the last `maxLen`, and
 * `MAXLEN ~` drops whole nodes from the head while the rest still holds
 * `maxLen` (a node it could drop mid-batch it can drop at the end). The one
 * difference is the cap of an approximate trim (100 nodes' worth, 10,000
 * entries, per command): a part trims twice rather than once per entry,
 * which still removes more than a part (at most 1000 entries) adds when the
 * stream is over its `maxLen`.
 * The trim arguments of every entry were ~5-10 % of Redis's time per entry.
 * The fields pass straight from `ARGV` with `unpack`: no table per entry
 * (this loop is where Redis spends its time).
 */
const addAllScript = script(`
local key = KEYS[1]
local ids = {}
local n = 0
local argc = #ARGV
local i = 5
local trim, maxLen = ARGV[1], ARGV[2]
local call = redis.call
while i <= argc do
  local last = i + tonumber(ARGV[i]) * 2
  n = n + 1
  if trim ~= "" and (n == 1 or last == argc) then
    ids[n] = call("XADD", key, "MAXLEN", trim, maxLen, "*", unpack(ARGV, i + 1, last))
  else
    ids[n] = call("XADD", key, "*", unpack(ARGV, i + 1, last))
  end
  i = last + 1
end
${expireLua(3)}
return ids
`)

/**
 * `addAllScript` for a batch whose entries all have the same two or three
 * fields in the same order (every batch of `EventStream.addAll` without
 * topics, or with a topic on each event): `ARGV` is the trim, the `MAXLEN`,
 * the expiry (two arguments), the number of fields, the field names once,
 * then the values of each entry. Two or three arguments per entry instead of
 * five or seven: less to encode on the client, and fewer Lua strings for
 * Redis to make (~10 % of its time per entry).
 */
const addAllSameFieldsScript = script(`
local key = KEYS[1]
local ids = {}
local n = 0
local argc = #ARGV
local trim, maxLen = ARGV[1], ARGV[2]
local k = tonumber(ARGV[5])
local call = redis.call
-- The first and the last entry trim, as in the general script.
if k == 2 then
  local f1, f2 = ARGV[6], ARGV[7]
  for i = 8, argc, 2 do
    n = n + 1
    if trim ~= "" and (n == 1 or i + 1 == argc) then
      ids[n] = call("XADD", key, "MAXLEN", trim, maxLen, "*", f1, ARGV[i], f2, ARGV[i + 1])
    else
      ids[n] = call("XADD", key, "*", f1, ARGV[i], f2, ARGV[i + 1])
    end
  end
else
  local f1, f2, f3 = ARGV[6], ARGV[7], ARGV[8]
  for i = 9, argc, 3 do
    n = n + 1
    if trim ~= "" and (n == 1 or i + 2 == argc) then
      ids[n] = call("XADD", key, "MAXLEN", trim, maxLen, "*", f1, ARGV[i], f2, ARGV[i + 1], f3, ARGV[i + 2])
    else
      ids[n] = call("XADD", key, "*", f1, ARGV[i], f2, ARGV[i + 1], f3, ARGV[i + 2])
    end
  end
end
${expireLua(3)}
return ids
`)

/** `KEYS[1]` is the stream; `ARGV` the expiry (two arguments), then the arguments of `XADD` after the key. */
const addExpiringScript = script(`
local id = redis.call("XADD", KEYS[1], unpack(ARGV, 3))
if not id then return false end
${expireLua(1)}
return id
`)

const emptyIds: ReadonlyArray<string> = Object.freeze([])

export const missingFields = new Errors.RedisCommandError({
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
    pushExpiry(args, options?.expire)
    // XADD needs at least one pair; refusing the batch here keeps the entries before it from being added.
    if (entries.some((fields) => fields.length === 0)) return Effect.fail(missingFields)
    if (haveSameFields(entries)) {
      const first = entries[0]!
      args.push(first.length)
      for (const [field] of first) args.push(field)
      for (const fields of entries) for (const [, value] of fields) args.push(toArgument(value))
      return evaluate(addAllSameFieldsScript, args, "XADD", Decoders.ids)
    }
    for (const fields of entries) {
      args.push(fields.length)
      pushFields(args, fields)
    }
    return evaluate(addAllScript, args, "XADD", Decoders.ids)
  }

/** Whether every entry has the same two or three fields, in the same order (`addAllSameFieldsScript`). */
const haveSameFields = (entries: ReadonlyArray<RedisClient.FieldsInput>): boolean => {
  const first = entries[0]!
  const count = first.length
  if (count !== 2 && count !== 3) return false
  for (let i = 1; i < entries.length; i++) {
    const fields = entries[i]!
    if (fields.length !== count) return false
    for (let j = 0; j < count; j++) if (fields[j]![0] !== first[j]![0]) return false
  }
  return true
}

/**
 * `xadd` with an expiry, as one script: `xaddArgs` are the arguments of
 * `XADD` after the key. Failures report the command as `XADD`.
 */
export const makeAddExpiring =
  (evaluate: Runner) =>
  (
    key: string,
    xaddArgs: ReadonlyArray<Argument>,
    expire: RedisClient.Expiry
  ): Effect.Effect<string | null, Errors.RedisError> => {
    const args: Array<Argument> = ["", 1, key]
    pushExpiry(args, expire)
    for (const arg of xaddArgs) args.push(arg)
    return evaluate(addExpiringScript, args, "XADD", Decoders.idOrNull)
  }
