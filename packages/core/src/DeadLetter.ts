/**
 * Dead letters: events a sink delivered `maxDeliveries` times without an
 * ack, and events a pipeline stage gave up on at once (`Payload.decode` with
 * `onError: "deadLetter"`). The sink moves each one to the stream's dead
 * letters, a Redis stream under the key `pulse:dead:<stream>` (outside
 * `pulse:stream:`, so it never collides with a stream a user names,
 * `orders:dead` included), with the original fields plus the sink's name,
 * the delivery count, the original entry ID and, for a stage's, the reason,
 * and acks it. `list` reads them with that information decoded; `reader`
 * follows them as they come.
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
import type { Scope } from "effect"
import { Effect } from "effect"
import type { InvalidName, InvalidOption, RedisError } from "./Errors.js"
import type { Event } from "./Event.js"
import { timeOfId } from "./Event.js"
import { toEvent } from "./internal/entries.js"
import {
  deadLetterKey,
  deadLetterStreamName,
  fieldDeadDeliveries,
  fieldDeadOriginalId,
  fieldDeadReason,
  fieldDeadSink,
  streamKey
} from "./internal/keys.js"
import { decodeUtf8 } from "./internal/utf8.js"
import { validateEntryIds, validateInteger, validateName } from "./internal/validation.js"
import * as Reader from "./Reader.js"
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

const fromEntry = (streamName: string, entry: StreamEntry): DeadLetter => {
  const extra = new Map<string, string>()
  for (const [field, value] of entry.fields) {
    if (
      field === fieldDeadSink ||
      field === fieldDeadDeliveries ||
      field === fieldDeadOriginalId ||
      field === fieldDeadReason
    ) {
      extra.set(field, decodeUtf8(value))
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
export const list = Effect.fn("DeadLetter.list")(function* (
  streamName: string,
  options?: { readonly count?: number | undefined; readonly after?: string | undefined }
): Effect.fn.Return<ReadonlyArray<DeadLetter>, InvalidName | InvalidOption | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  yield* Effect.annotateCurrentSpan({ stream: streamName })
  const count = yield* validateInteger("count", options?.count ?? 100, 1)
  const after = options?.after
  if (after !== undefined) yield* validateEntryIds("after", [after])
  const redis = yield* RedisClient
  const entries = yield* redis.xrange(deadLetterKey(streamName), after === undefined ? "-" : `(${after}`, "+", count)
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
export const remove = Effect.fn("DeadLetter.remove")(function* (
  streamName: string,
  ids: ReadonlyArray<string>
): Effect.fn.Return<number, InvalidName | InvalidOption | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  yield* Effect.annotateCurrentSpan({ stream: streamName })
  yield* validateEntryIds("ids", ids)
  if (ids.length === 0) return 0
  const redis = yield* RedisClient
  return yield* redis.xdel(deadLetterKey(streamName), ids)
})

/**
 * Deletes every dead letter of the stream named `streamName` (its key,
 * `pulse:dead:<streamName>`); whether there were any. `EventStream.destroy`
 * leaves the dead letters in place: they are deleted only when asked for,
 * with this.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetter, EventStream } from "@effect-pulse/core"
 *
 * const destroyWithDeadLetters = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   yield* orders.destroy
 *   yield* DeadLetter.destroy("orders")
 * })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const destroy = Effect.fnUntraced(function* (
  streamName: string
): Effect.fn.Return<boolean, InvalidName | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  const redis = yield* RedisClient
  return (yield* redis.del([deadLetterKey(streamName)])) > 0
})

/**
 * Which dead letters `replay` puts back: those with these letter IDs
 * (`DeadLetter.id`), from this sink, with this event name; all of them when
 * nothing is given. The criteria given must all hold.
 *
 * @example
 * ```ts
 * import type { DeadLetter } from "@effect-pulse/core"
 *
 * const fromBilling: DeadLetter.ReplayFilter = { sink: "billing", eventName: "created" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayFilter {
  readonly ids?: ReadonlyArray<string> | undefined
  readonly sink?: string | undefined
  readonly eventName?: string | undefined
}

/** The original fields of a letter: without what the sink added when it moved it. */
const originalFields = (entry: StreamEntry): StreamEntry["fields"] =>
  entry.fields.filter(
    ([field]) =>
      field !== fieldDeadSink &&
      field !== fieldDeadDeliveries &&
      field !== fieldDeadOriginalId &&
      field !== fieldDeadReason
  )

/**
 * Puts dead letters back on their stream, as new events with their
 * original name, topic and payload (every sink of the stream gets them
 * again), then deletes them from the dead letters; returns the new entry
 * IDs, in the letters' order. At most `count` letters (default 1000) that
 * pass `filter`, oldest first. The events are added before the letters are
 * deleted, so a failure in between leaves a letter both replayed and still
 * dead (a duplicate), never lost.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetter } from "@effect-pulse/core"
 *
 * const retryBilling = DeadLetter.replay("orders", { filter: { sink: "billing" } }).pipe(
 *   Effect.tap((ids) => Effect.log(`replayed ${ids.length} events`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const replay = Effect.fnUntraced(function* (
  streamName: string,
  options?: { readonly filter?: ReplayFilter | undefined; readonly count?: number | undefined }
): Effect.fn.Return<ReadonlyArray<string>, InvalidName | InvalidOption | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  const count = yield* validateInteger("count", options?.count ?? 1000, 1)
  const filter = options?.filter
  yield* validateEntryIds("ids", filter?.ids ?? [])
  const redis = yield* RedisClient
  const wanted = filter?.ids === undefined ? undefined : new Set(filter.ids)
  const chosen: Array<StreamEntry> = []
  let start = "-"
  while (chosen.length < count) {
    const page = yield* redis.xrange(deadLetterKey(streamName), start, "+", 1000)
    for (const entry of page) {
      const letter = fromEntry(streamName, entry)
      const matches =
        (wanted === undefined || wanted.has(letter.id)) &&
        (filter?.sink === undefined || letter.event.sinkName === filter.sink) &&
        (filter?.eventName === undefined || letter.event.eventName === filter.eventName)
      if (matches && chosen.length < count) chosen.push(entry)
    }
    if (page.length < 1000) break
    start = `(${page[page.length - 1]!.id}`
  }
  if (chosen.length === 0) return []
  const ids = yield* redis.xaddAll(streamKey(streamName), chosen.map(originalFields))
  yield* redis.xdel(
    deadLetterKey(streamName),
    chosen.map((entry) => entry.id)
  )
  return ids
})

/**
 * The Redis key holding the dead letters of the stream named `streamName`:
 * `pulse:dead:<streamName>`. Delete it to drop them all.
 *
 * @example
 * ```ts
 * import { DeadLetter } from "@effect-pulse/core"
 *
 * const key = DeadLetter.key("orders") // "pulse:dead:orders"
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const key = (streamName: string): string => deadLetterKey(streamName)

/**
 * A reader of the dead letters of the stream named `streamName`, open until
 * the scope closes, with the options of any reader. Its events are the
 * letters as stored: their IDs are the letters' own, their `streamName` is
 * `<streamName>:dead`, and their fields include `sink`, `deliveries` and the
 * original `id` (use `list` for those decoded).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { DeadLetter, StartAt } from "@effect-pulse/core"
 *
 * const alertOnDeadLetters = Effect.gen(function*() {
 *   const reader = yield* DeadLetter.reader("orders", { start: StartAt.oldest })
 *   yield* reader.events.pipe(Stream.runForEach((letter) => Effect.logError(`dead letter ${letter.id}`)))
 * })
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const reader = Effect.fnUntraced(function* (
  streamName: string,
  options?: Reader.Options
): Effect.fn.Return<Reader.Reader, InvalidName | InvalidOption | RedisError, RedisClient | Scope.Scope> {
  yield* validateName("stream", streamName)
  return yield* Reader.make({ name: deadLetterStreamName(streamName), key: deadLetterKey(streamName) }, options)
})
