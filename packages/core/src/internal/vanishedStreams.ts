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
 * blocking read times out or fails (a restart), and when a read goes on in
 * the millisecond of its cursor (the entries of a key re-created within it).
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService, StreamEntry, StreamRead } from "../RedisClient.js"
import { isBefore, sameFields, sameMillisecond } from "./entryIds.js"

/** What the watch needs to know of each stream a reader reads. */
export interface WatchedStream {
  readonly name: string
  /** The ID to read after. */
  cursor: string
  /** The entry at `cursor`, once the reader has read one (before, `cursor` is the start position). */
  lastRead: StreamEntry | undefined
}

/** The cursor of a reader that reads a stream from its first entry. */
export const firstEntry = "0-0"

/**
 * Whether the key now holds another entry under `last`'s ID: it was created
 * again. An entry deleted with `XDEL` does not count: the key is the same.
 */
const replaced = (redis: RedisService, key: string, last: StreamEntry): Effect.Effect<boolean, RedisError> =>
  Effect.map(redis.xrange(key, last.id, last.id), ([entry]) => (entry === undefined ? false : !sameFields(entry, last)))

/**
 * Whether the key of `last` (the last entry the reader read from it)
 * vanished since: it is missing, its last generated ID is below `last`'s,
 * or it is `last`'s but the entry with that ID holds other fields.
 */
export const hasVanished = (redis: RedisService, key: string, last: StreamEntry): Effect.Effect<boolean, RedisError> =>
  redis.xinfoStream(key).pipe(
    Effect.flatMap((info) => {
      if (isBefore(info.lastGeneratedId, last.id)) return Effect.succeed(true)
      return info.lastGeneratedId === last.id ? replaced(redis, key, last) : Effect.succeed(false)
    }),
    Effect.catchIf(
      (error) => error._tag === "RedisCommandError" && error.code === "ERR",
      () => Effect.succeed(true)
    )
  )

/**
 * Wraps a reader's reads: after a read that timed out or failed, streams
 * whose key vanished go back to their first entry; a read that goes on in
 * the millisecond of a stream's cursor from a key created again is dropped
 * for that stream, which is then read again from its first entry.
 */
export const makeWatch = (redis: RedisService) => {
  let lookBeforeNextRead = false

  const readFromFirstEntry = (stream: WatchedStream) =>
    Effect.suspend(() => {
      stream.cursor = firstEntry
      stream.lastRead = undefined
      return Effect.logWarning(
        `stream ${stream.name} vanished (deleted, expired or lost in a restart); ` +
          "reading it from its first entry once it exists again"
      )
    })

  const look = (polled: ReadonlyArray<readonly [string, WatchedStream]>) =>
    Effect.forEach(
      polled,
      ([key, stream]) => {
        const last = stream.lastRead
        if (last === undefined) return Effect.void
        return Effect.flatMap(hasVanished(redis, key, last), (vanished) =>
          vanished && stream.lastRead === last ? readFromFirstEntry(stream) : Effect.void
        )
      },
      { discard: true }
    )

  return <E>(
    polled: ReadonlyArray<readonly [string, WatchedStream]>,
    read: Effect.Effect<ReadonlyArray<StreamRead>, E>
  ): Effect.Effect<ReadonlyArray<StreamRead>, E | RedisError> =>
    Effect.gen(function* () {
      if (lookBeforeNextRead) {
        yield* look(polled)
        lookBeforeNextRead = false
      }
      const reads = yield* Effect.tapError(read, () =>
        Effect.sync(() => {
          lookBeforeNextRead = true
        })
      )
      if (reads.length === 0) {
        yield* look(polled)
        return reads
      }
      // One stream (the usual case) needs no map.
      const byKey = polled.length === 1 ? undefined : new Map(polled)
      const kept: Array<StreamRead> = []
      for (const result of reads) {
        const stream =
          byKey === undefined ? (polled[0]![0] === result.key ? polled[0]![1] : undefined) : byKey.get(result.key)
        const last = stream?.lastRead
        const first = result.entries[0]
        if (
          stream !== undefined &&
          last !== undefined &&
          first !== undefined &&
          sameMillisecond(first.id, last.id) &&
          (yield* replaced(redis, result.key, last))
        ) {
          yield* readFromFirstEntry(stream)
        } else kept.push(result)
      }
      return kept
    })
}
