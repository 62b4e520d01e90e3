/**
 * Writing dead letters, for the claim check (events delivered `maxDeliveries`
 * times) and for pipeline stages (events a stage gives up on at once, such as
 * payloads that do not decode). `DeadLetter` reads what this writes.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Event } from "../Event.js"
import type { FieldsInput, Service as RedisService } from "../RedisClient.js"
import { toFields } from "./entries.js"
import {
  deadLetterKey,
  fieldDeadDeliveries,
  fieldDeadOriginalId,
  fieldDeadReason,
  fieldDeadSink,
  streamKey
} from "./keys.js"

/** An entry to move to the dead letters: its original ID and fields, how often it was delivered, and why. */
export interface Letter {
  readonly id: string
  readonly fields: FieldsInput
  readonly deliveries: number
  readonly reason?: string | undefined
}

/**
 * Copies entries of the stream named `streamName` to its dead letters (one
 * round trip), then acknowledges them in the sink's group: a crash in
 * between copies twice, never loses. Dead letters are not trimmed: they wait
 * for someone to look at them.
 */
export const writeDeadLetters = (
  redis: RedisService,
  streamName: string,
  sinkName: string,
  letters: ReadonlyArray<Letter>
) =>
  letters.length === 0
    ? Effect.void
    : redis
        .xaddAll(
          deadLetterKey(streamName),
          letters.map((letter) => [
            ...letter.fields,
            [fieldDeadSink, sinkName],
            [fieldDeadDeliveries, String(letter.deliveries)],
            [fieldDeadOriginalId, letter.id],
            ...(letter.reason === undefined ? [] : [[fieldDeadReason, letter.reason] as const])
          ])
        )
        .pipe(
          Effect.andThen(
            redis.xack(
              streamKey(streamName),
              sinkName,
              letters.map((letter) => letter.id)
            )
          ),
          Effect.asVoid,
          Effect.withSpan("Sink.deadLetter", {
            attributes: { stream: streamName, sink: sinkName, ids: letters.map((letter) => letter.id) }
          })
        )

/**
 * Moves one event a sink delivered to the dead letters at once, saying why,
 * with its delivery count so far; false when it was no longer pending (acked
 * meanwhile: nothing to give up on). A `noAck` sink has nothing pending, so
 * its events are written as delivered once.
 */
export const deadLetterEvent = Effect.fnUntraced(function* (
  redis: RedisService,
  sinkName: string,
  noAck: boolean,
  event: Event,
  reason: string
) {
  let deliveries = 1
  if (!noAck) {
    const [pending] = yield* redis.xpendingRange(streamKey(event.streamName), sinkName, {
      start: event.id,
      end: event.id,
      count: 1
    })
    if (pending === undefined) return false
    deliveries = pending.deliveries
  }
  const fields = toFields(event.eventName, event.payload, event.topic)
  yield* writeDeadLetters(redis, event.streamName, sinkName, [{ id: event.id, fields, deliveries, reason }])
  return true
})
