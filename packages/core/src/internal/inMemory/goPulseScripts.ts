/**
 * Go Pulse v1.6.5's Lua scripts (see `RedisClient.ScriptReplies`) as the
 * in-memory Redis runs them: one synchronous function each, so one atomic
 * step, making the same calls in the same order as the Lua, so that a
 * script failing half way leaves the same writes behind. The scripts'
 * `PUBLISH` reaches nobody here: the in-memory Redis has no pub/sub, and no
 * reply depends on it.
 *
 * @internal
 */
import type { ScriptName, ScriptReplies } from "../../RedisClient.js"
import type { Keyspace } from "./keyspace.js"
import { decodeList, encodeList } from "./luaJson.js"
import { err, notAnInteger, parseInt64 } from "./replies.js"

type Body<Name extends ScriptName> = (
  keyspace: Keyspace,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string>,
  now: number
) => ScriptReplies[Name]

/** `KEYS[i]` / `ARGV[i]` (1-based, as in Lua); a missing one is a call Go Pulse never makes. */
const at = (list: ReadonlyArray<string>, index: number): string => {
  const value = list[index - 1]
  if (value === undefined) throw err("Lua redis lib command arguments must be strings or integers")
  return value
}

/** The revision bump and kind every map write ends with; the new revision. */
const bump = (keyspace: Keyspace, hash: string, kind: "set" | "del", now: number): string => {
  const revision = String(keyspace.hincrby(hash, "=rev", 1n, now))
  keyspace.hset(hash, "=kind", kind, now)
  return revision
}

const mapSet: Body<"mapSet"> = (keyspace, keys, args, now) => {
  const hash = at(keys, 1)
  const previous = keyspace.hget(hash, at(args, 1), now)
  keyspace.hset(hash, at(args, 1), at(args, 2), now)
  const revision = bump(keyspace, hash, "set", now)
  return [previous === null ? 0 : 1, previous ?? "", revision]
}

const mapDelete: Body<"mapDelete"> = (keyspace, keys, args, now) => {
  const hash = at(keys, 1)
  const previous = keyspace.hget(hash, at(args, 1), now)
  if (previous === null) return null
  keyspace.hdel(hash, [at(args, 1)], now)
  bump(keyspace, hash, "del", now)
  return previous
}

const mapAppend: Body<"mapAppend"> = (keyspace, keys, args, now) => {
  const hash = at(keys, 1)
  const previous = keyspace.hget(hash, at(args, 1), now)
  if (args.length === 1) return previous
  const encoded = encodeList([...(previous === null ? [] : decodeList(previous)), ...args.slice(1)])
  keyspace.hset(hash, at(args, 1), encoded, now)
  bump(keyspace, hash, "set", now)
  return encoded
}

const mapRemove: Body<"mapRemove"> = (keyspace, keys, args, now) => {
  const hash = at(keys, 1)
  const previous = keyspace.hget(hash, at(args, 1), now)
  if (previous === null || args.length === 1) return [previous, 0]
  const removing = new Set(args.slice(1))
  const items = decodeList(previous)
  // Lua's table lookup matches strings only: a number 1 is not the argument "1".
  const remaining = items.filter((item) => !(typeof item === "string" && removing.has(item)))
  if (remaining.length === items.length) return [previous, 0]
  if (remaining.length === 0) {
    keyspace.hdel(hash, [at(args, 1)], now)
    bump(keyspace, hash, "del", now)
    return ["", 1]
  }
  const encoded = encodeList(remaining)
  keyspace.hset(hash, at(args, 1), encoded, now)
  bump(keyspace, hash, "set", now)
  return [encoded, 1]
}

const mapDestroy: Body<"mapDestroy"> = (keyspace, keys, _args, now) => {
  const hash = at(keys, 1)
  const revision = keyspace.hincrby(hash, "=rev", 1n, now)
  keyspace.del([hash], now)
  keyspace.hset(hash, "=rev", String(revision), now)
  keyspace.hset(hash, "=kind", "destroy", now)
  return null
}

/** Lua 5.1's `tonumber` of a string: decimal or hexadecimal, surrounding spaces allowed; `undefined` for nil. */
const toNumber = (text: string): number | undefined => {
  const trimmed = text.trim()
  if (/^-?0x[0-9a-f]+$/i.test(trimmed)) return Number.parseInt(trimmed, 16)
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return Number(trimmed)
  return undefined
}

/** `<` as Lua compares, failing as it does when a side is nil. */
const lessThan = (left: number | undefined, right: number | undefined): boolean => {
  if (left !== undefined && right !== undefined) return left < right
  const message =
    left === undefined && right === undefined
      ? "two nil values"
      : left === undefined
        ? "nil with number"
        : "number with nil"
  // Line 7 of Go's script, where the comparison is.
  throw err(`user_script:7: attempt to compare ${message}`)
}

const leaseAcquire: Body<"leaseAcquire"> = (keyspace, keys, args, now) => {
  const lease = at(keys, 1)
  const current = keyspace.get(lease, now)
  if (current === null || lessThan(toNumber(current), toNumber(at(args, 2)))) {
    const millis = parseInt64(at(args, 3))
    if (millis === undefined) throw notAnInteger()
    keyspace.set(lease, at(args, 1), { expireMillis: Number(millis) }, now)
    return 1
  }
  return 0
}

const bodies: { readonly [Name in ScriptName]: Body<Name> } = {
  mapSet,
  mapDelete,
  mapAppend,
  mapRemove,
  mapDestroy,
  leaseAcquire
}

/** Runs the script `name` on `keyspace`. */
export const runScript = <Name extends ScriptName>(
  keyspace: Keyspace,
  name: Name,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string>,
  now: number
): ScriptReplies[Name] => (bodies[name] as Body<Name>)(keyspace, keys, args, now)
