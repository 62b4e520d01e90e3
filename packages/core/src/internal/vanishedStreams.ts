/**
 * Readers and vanished stream keys. A reader reads after its cursor, the ID
 * of the last entry it read. When the key is deleted (`DEL`, expiry, a
 * restart of a Redis without persistence) and created again, its new
 * entries get IDs from the clock again: those in the millisecond of the
 * cursor may fall at or below it, and `XREAD` would never return them. So a
 * reader that sees the key missing or created again reads it from its first
 * entry: every entry of a re-created key is new.
 *
 * A blocked `XREAD` is not woken by a `DEL`, so the reader looks when a
 * blocking read times out and after a failed read (a restart).
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Fields, Service as RedisService, StreamEntry } from "../RedisClient.js"

/** The cursor of a reader that reads a stream from its first entry. */
export const firstEntry = "0-0"

const parts = (id: string): readonly [bigint, bigint] => {
  const dash = id.indexOf("-")
  return dash === -1 ? [BigInt(id), 0n] : [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))]
}

/** Whether entry ID `a` comes before `b`. */
export const isBefore = (a: string, b: string): boolean => {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  return aMs < bMs || (aMs === bMs && aSeq < bSeq)
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, index) => byte === b[index])

const sameFields = (a: Fields, b: Fields): boolean =>
  a.length === b.length && a.every(([field, value], index) => field === b[index]![0] && sameBytes(value, b[index]![1]))

/**
 * Whether the key of `last` (the last entry the reader read from it)
 * vanished since: it is missing, its last generated ID is below `last`'s
 * (it was created again), or it is `last`'s but the entry with that ID holds
 * other fields (created again within that very millisecond). An entry
 * deleted with `XDEL` does not count: the key is the same.
 */
export const hasVanished = (redis: RedisService, key: string, last: StreamEntry): Effect.Effect<boolean, RedisError> =>
  redis.xinfoStream(key).pipe(
    Effect.flatMap((info) => {
      if (isBefore(info.lastGeneratedId, last.id)) return Effect.succeed(true)
      if (info.lastGeneratedId !== last.id) return Effect.succeed(false)
      return Effect.map(redis.xrange(key, last.id, last.id), ([entry]) =>
        entry === undefined ? false : !sameFields(entry.fields, last.fields)
      )
    }),
    Effect.catchIf(
      (error) => error._tag === "RedisCommandError" && error.code === "ERR",
      () => Effect.succeed(true)
    )
  )
