/**
 * Dead letters: events a sink delivered `maxDeliveries` times without an
 * ack, and events a pipeline stage gave up on at once (`Payload.decode` with
 * `onError: "deadLetter"`). The sink moves each one to the stream
 * `<stream>:dead`, with the original fields plus the sink's name, the
 * delivery count, the original entry ID and, for a stage's, the reason, and
 * acks it. The dead-letter stream is an ordinary stream (a
 * reader can follow it); this module reads it with that information decoded.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetter, Event } from "@effect-pulse/core"
 *
 * const report = Effect.gen(function*() {
 *   for (const letter of yield* DeadLetter.list("orders")) {
 *     yield* Effect.logWarning(
 *       `${letter.event.eventName} ${letter.event.id} failed ${letter.deliveries} times in sink ${letter.event.sinkName}`,
 *       Event.text(letter.event)
 *     )
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { InvalidName, RedisError } from "./Errors.js"
import { InvalidOption } from "./Errors.js"
import type { Event } from "./Event.js"
import { timeOfId } from "./Event.js"
import { toEvent } from "./internal/entries.js"
import {
  deadLetterStreamName,
  fieldDeadDeliveries,
  fieldDeadOriginalId,
  fieldDeadReason,
  fieldDeadSink,
  streamKey
} from "./internal/keys.js"
import { isEntryId, validateInteger, validateName } from "./internal/validation.js"
import { RedisClient, type StreamEntry } from "./RedisClient.js"

/**
 * One dead letter. `event` is the original event as the sink delivered it:
 * its original ID, stream, sink, name, topic and payload. `id` is the
 * letter's own ID in the dead-letter stream (for `list`'s `after` and for
 * `remove`). `reason` says why a pipeline stage sent the event there at once
 * (a payload that does not decode, with `Payload.decode`'s `onError:
 * "deadLetter"`); it is `undefined` for events moved after `maxDeliveries`.
 *
 * @example
 * ```ts
 * import type { DeadLetter } from "@effect-pulse/core"
 *
 * const describe = (letter: DeadLetter.DeadLetter) =>
 *   `${letter.event.streamName}/${letter.event.id} after ${letter.deliveries} deliveries`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface DeadLetter {
  readonly id: string
  readonly event: Event
  readonly deliveries: number
  readonly reason: string | undefined
}

const utf8 = new TextDecoder()

const fromEntry = (streamName: string, entry: StreamEntry): DeadLetter => {
  const extra = new Map<string, string>()
  for (const [field, value] of entry.fields) {
    if (
      field === fieldDeadSink ||
      field === fieldDeadDeliveries ||
      field === fieldDeadOriginalId ||
      field === fieldDeadReason
    ) {
      extra.set(field, utf8.decode(value))
    }
  }
  const originalId = extra.get(fieldDeadOriginalId) ?? entry.id
  const event = toEvent(streamName, extra.get(fieldDeadSink), entry)
  return {
    id: entry.id,
    event: { ...event, id: originalId, createdAt: timeOfId(originalId) },
    deliveries: Number(extra.get(fieldDeadDeliveries) ?? 0),
    reason: extra.get(fieldDeadReason)
  }
}

/**
 * The dead letters of the stream named `streamName`, oldest first: at most
 * `count` (default 100), after the letter with ID `after` when given.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetter } from "@effect-pulse/core"
 *
 * const firstTwo = DeadLetter.list("orders", { count: 2 })
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const list = Effect.fnUntraced(function* (
  streamName: string,
  options?: { readonly count?: number | undefined; readonly after?: string | undefined }
): Effect.fn.Return<ReadonlyArray<DeadLetter>, InvalidName | InvalidOption | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  const count = yield* validateInteger("count", options?.count ?? 100, 1)
  const after = options?.after
  if (after !== undefined && !isEntryId(after)) {
    return yield* new InvalidOption({ option: "after", message: `not an entry ID: ${JSON.stringify(after)}` })
  }
  const redis = yield* RedisClient
  const entries = yield* redis.xrange(
    streamKey(deadLetterStreamName(streamName)),
    after === undefined ? "-" : `(${after}`,
    "+",
    count
  )
  return entries.map((entry) => fromEntry(streamName, entry))
})

/**
 * Deletes dead letters by their own IDs (`DeadLetter.id`), once handled;
 * returns how many existed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetter } from "@effect-pulse/core"
 *
 * const clear = Effect.gen(function*() {
 *   const letters = yield* DeadLetter.list("orders")
 *   return yield* DeadLetter.remove("orders", letters.map((letter) => letter.id))
 * })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const remove = Effect.fnUntraced(function* (
  streamName: string,
  ids: ReadonlyArray<string>
): Effect.fn.Return<number, InvalidName | InvalidOption | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  const malformed = ids.find((id) => !isEntryId(id))
  if (malformed !== undefined) {
    return yield* new InvalidOption({ option: "ids", message: `not an entry ID: ${JSON.stringify(malformed)}` })
  }
  if (ids.length === 0) return 0
  const redis = yield* RedisClient
  return yield* redis.xdel(streamKey(deadLetterStreamName(streamName)), ids)
})
