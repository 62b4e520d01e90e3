/**
 * Go Pulse's replicated map (`rmap`, v1.6.5) as stored in Redis, read and
 * written the way Go does it, so that Go processes that joined the map see
 * every write.
 *
 * A map named `<name>` is the hash `map:<name>:content` (its entries, plus
 * the bookkeeping fields `=rev`, a revision bumped by every write, and
 * `=kind`, the kind of the last write) and the channel `map:<name>:updates`.
 * Every write is one of Go's own Lua scripts (`RedisClient.runScript`), which
 * bumps the revision and publishes the change atomically. A Go replica
 * applies a published change only when its revision is above the one it
 * has, and otherwise keeps its local copy (read once with `HGETALL` when it
 * joined): a write made any other way (a plain `HSET`) is invisible to Go
 * processes already running. Reads here are a plain `HGETALL`, which always
 * sees the latest state.
 *
 * Go applies the map's TTL, if it has one, after every write (`EXPIRE NX`,
 * or a plain `EXPIRE` when sliding); `ttl` does the same here. Map keys may
 * not be empty nor contain `=` (Go refuses them, as they could collide with
 * the bookkeeping fields): the callers' names are validated before they get
 * here, so such a key is a defect.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService, ScriptName, ScriptReplies } from "../RedisClient.js"

/** A replicated map: its name and its two Redis keys. */
export interface ReplicatedMap {
  readonly name: string
  readonly contentKey: string
  readonly updatesChannel: string
  /** Applied after every write, as Go does: once (`NX`) or refreshed (`sliding`). */
  readonly ttl?: { readonly millis: number; readonly sliding: boolean } | undefined
}

/** The map named `name`. */
export const replicatedMap = (name: string, ttl?: ReplicatedMap["ttl"]): ReplicatedMap => ({
  name,
  contentKey: `map:${name}:content`,
  updatesChannel: `map:${name}:updates`,
  ttl
})

/** The hash fields Go keeps beside the entries. */
export const revisionField = "=rev"
export const kindField = "=kind"

/** The content of a map: its entries, its revision (0 when it has none) and the kind of its last write. */
export interface MapContent {
  readonly entries: ReadonlyMap<string, string>
  readonly revision: bigint
  readonly lastWrite: string | undefined
}

const checkKey = (map: ReplicatedMap, key: string): void => {
  if (key.length === 0 || key.includes("=")) {
    throw new Error(`replicated map ${map.name}: key ${JSON.stringify(key)} is empty or contains '='`)
  }
}

const write = <Name extends ScriptName>(
  redis: RedisService,
  map: ReplicatedMap,
  name: Name,
  args: ReadonlyArray<string>
): Effect.Effect<ScriptReplies[Name], RedisError> =>
  Effect.suspend(() => {
    checkKey(map, args[0]!)
    return redis.runScript(name, [map.contentKey, map.updatesChannel], args)
  }).pipe(Effect.tap(() => applyTtl(redis, map)))

const applyTtl = (redis: RedisService, map: ReplicatedMap): Effect.Effect<void, RedisError> =>
  map.ttl === undefined
    ? Effect.void
    : Effect.asVoid(redis.pexpire(map.contentKey, map.ttl.millis, map.ttl.sliding ? undefined : "NX"))

/** Reads the whole map (Go's `Join` does the same `HGETALL`). */
export const read = (redis: RedisService, map: ReplicatedMap): Effect.Effect<MapContent, RedisError> =>
  Effect.map(redis.hgetall(map.contentKey), (hash) => {
    const entries = new Map(Object.entries(hash))
    const revision = entries.get(revisionField)
    const lastWrite = entries.get(kindField)
    entries.delete(revisionField)
    entries.delete(kindField)
    // Go reads a revision it cannot parse as 0, as here.
    const parsed = revision !== undefined && /^\d+$/.test(revision) ? BigInt(revision) : 0n
    return { entries, revision: parsed, lastWrite }
  })

/** Go's `SetEx`: whether the key existed, its previous value ("" when none) and the new revision. */
export const set = (
  redis: RedisService,
  map: ReplicatedMap,
  key: string,
  value: string
): Effect.Effect<{ readonly existed: boolean; readonly previous: string; readonly revision: bigint }, RedisError> =>
  Effect.map(write(redis, map, "mapSet", [key, value]), ([existed, previous, revision]) => ({
    existed: existed === 1,
    previous,
    revision: BigInt(revision)
  }))

/** Go's `Delete`: the previous value, `undefined` when the key was missing (nothing is written then). */
export const remove = (
  redis: RedisService,
  map: ReplicatedMap,
  key: string
): Effect.Effect<string | undefined, RedisError> =>
  Effect.map(write(redis, map, "mapDelete", [key]), (previous) => previous ?? undefined)

/**
 * The items of a list value, as Go's `parseValues` reads them: a JSON array
 * of strings, or else comma-separated.
 */
export const parseValues = (value: string): ReadonlyArray<string> => {
  const trimmed = value.trim()
  if (trimmed.startsWith("[")) {
    try {
      const decoded: unknown = JSON.parse(trimmed)
      if (Array.isArray(decoded) && decoded.every((item) => typeof item === "string")) return decoded
    } catch {
      // not JSON: read as Go does, split on commas
    }
  }
  return value.split(",")
}

/** Go's `AppendValues`: appends the items to the key's list (duplicates too); the new list. */
export const appendValues = (
  redis: RedisService,
  map: ReplicatedMap,
  key: string,
  items: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<string>, RedisError> =>
  Effect.map(write(redis, map, "mapAppend", [key, ...items]), (list) => (list === null ? [] : parseValues(list)))

/**
 * Go's `RemoveValues`: removes every occurrence of the items from the key's
 * list, deleting the key when none is left; what remains and whether
 * anything was removed.
 */
export const removeValues = (
  redis: RedisService,
  map: ReplicatedMap,
  key: string,
  items: ReadonlyArray<string>
): Effect.Effect<{ readonly remaining: ReadonlyArray<string>; readonly removed: boolean }, RedisError> =>
  Effect.map(write(redis, map, "mapRemove", [key, ...items]), ([list, removed]) => ({
    remaining: list === null || list === "" ? [] : parseValues(list),
    removed: removed === 1
  }))

/**
 * Go's `Destroy`: empties the map, leaving only its bookkeeping (the hash
 * keeps `=rev` and `=kind: destroy`, so that replicas order the change), and
 * tells the replicas.
 */
export const destroy = (redis: RedisService, map: ReplicatedMap): Effect.Effect<void, RedisError> =>
  Effect.asVoid(
    redis
      .runScript("mapDestroy", [map.contentKey, map.updatesChannel], ["*"])
      .pipe(Effect.tap(() => applyTtl(redis, map)))
  )
