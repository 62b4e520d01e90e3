/**
 * Writing dead letters (read back by `DeadLetter`): an event delivered
 * `maxDeliveries` times without an ack is copied to the stream's dead
 * letters, `pulse:dead:<stream>`, with its original fields plus the sink's
 * name, its delivery count and its original ID, and then acked. Copied
 * first, then acked: a crash in between copies it twice, never loses it.
 * Dead letters are not trimmed: they wait for someone to look at them.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService, StreamEntry } from "../RedisClient.js"
import { deadLetterKey, fieldDeadDeliveries, fieldDeadOriginalId, fieldDeadSink } from "./keys.js"

/** An entry to move, with how many times it was delivered. */
export interface DeadEntry {
  readonly entry: StreamEntry
  readonly deliveries: number
}

/** Moves `dead` entries of `streamName` (Redis key `streamKey`), pending in the group `sink`, to its dead letters. */
export const moveToDeadLetters = (
  redis: RedisService,
  sink: string,
  streamName: string,
  streamKey: string,
  dead: ReadonlyArray<DeadEntry>
): Effect.Effect<void, RedisError> =>
  dead.length === 0
    ? Effect.void
    : redis
        .xaddAll(
          deadLetterKey(streamName),
          dead.map(({ entry, deliveries }) => [
            ...entry.fields,
            [fieldDeadSink, sink],
            [fieldDeadDeliveries, String(deliveries)],
            [fieldDeadOriginalId, entry.id]
          ])
        )
        .pipe(
          Effect.andThen(
            redis.xack(
              streamKey,
              sink,
              dead.map(({ entry }) => entry.id)
            )
          ),
          Effect.asVoid
        )
