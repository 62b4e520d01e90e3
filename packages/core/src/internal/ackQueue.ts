/**
 * Acks on the way out of a pipeline stage: the stage queues the events it is
 * done with and goes on; one fiber sends them in batches, as one `XACK` per
 * sink and stream, so acking costs a round trip per batch instead of one per
 * event. By default a batch is whatever piled up during the last round trip
 * (never waiting for more); `batchSize` caps a batch, and `within` waits up
 * to that long after a batch's first event for the batch to fill (as
 * `Stream.groupedWithin` does).
 *
 * The queue lives in the stage's scope. When the stream ends, what is queued
 * is sent before the scope closes. When it is interrupted, what is queued is
 * tried once, without waiting for a lost connection to come back; an ack
 * that never went out leaves its event pending, to be delivered again after
 * the grace period: at-least-once, as everywhere else.
 *
 * @internal
 */

import type { Cause, Duration } from "effect"
import { Clock, Effect, Exit, Fiber, Option, Queue, Scope } from "effect"
import type { InvalidOption } from "../Errors.js"
import { AcknowledgerId, type SinkEvent } from "../Event.js"
import type { Acknowledger } from "./acknowledger.js"
import { retryWhileDisconnected } from "./retry.js"
import { validateDuration, validateInteger } from "./validation.js"

/** How acks are batched, as the stages' options give it. */
export interface AckBatching {
  /** The most events one batch acknowledges; unlimited by default. */
  readonly batchSize?: number | undefined
  /** How long a batch may wait to fill after its first event; by default it never waits. */
  readonly within?: Duration.Input | undefined
}

export interface ValidBatching {
  readonly size: number
  readonly withinMillis: number | undefined
}

export const validateBatching = Effect.fnUntraced(function* (
  options: AckBatching | undefined
): Effect.fn.Return<ValidBatching, InvalidOption> {
  const size =
    options?.batchSize === undefined
      ? Number.MAX_SAFE_INTEGER
      : yield* validateInteger("batchSize", options.batchSize, 1)
  const withinMillis = options?.within === undefined ? undefined : yield* validateDuration("within", options.within, 0)
  return { size, withinMillis }
})

export const unbatched: ValidBatching = { size: Number.MAX_SAFE_INTEGER, withinMillis: undefined }

export interface AckQueue {
  /** Queues an event for acknowledgement through the sink that delivered it, at once (the queue is unbounded). */
  readonly offerUnsafe: (event: SinkEvent) => void
  /** Queues events for acknowledgement through the sinks that delivered them. */
  readonly offerAll: (events: ReadonlyArray<SinkEvent>) => Effect.Effect<void>
}

/** Acknowledges `events`, one `ackAll` per sink (each one `XACK` per stream); failures are logged. */
const send = (events: ReadonlyArray<SinkEvent>, retry: boolean): Effect.Effect<void> => {
  const bySink = new Map<Acknowledger, Array<SinkEvent>>()
  for (const event of events) {
    const acknowledger = event[AcknowledgerId]
    const group = bySink.get(acknowledger)
    if (group === undefined) bySink.set(acknowledger, [event])
    else group.push(event)
  }
  return Effect.forEach(
    bySink,
    ([acknowledger, group]) => {
      const ack = acknowledger.ackAll(group)
      return (retry ? retryWhileDisconnected(ack) : ack).pipe(
        Effect.catch((error) =>
          Effect.logError(`could not ack ${group.length} event(s); they stay pending and come back`, error)
        )
      )
    },
    { discard: true }
  )
}

/** `send` in batches of at most `size` events. */
const sendInBatches = (events: ReadonlyArray<SinkEvent>, size: number, retry: boolean) =>
  events.length <= size
    ? send(events, retry)
    : Effect.forEach(
        Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size)),
        (batch) => send(batch, retry),
        { discard: true }
      )

export const make = (scope: Scope.Scope, batching: ValidBatching): Effect.Effect<AckQueue> =>
  Effect.gen(function* () {
    const { size, withinMillis } = batching
    const queue = yield* Queue.unbounded<SinkEvent, Cause.Done>()
    // Taken from the queue and not sent yet: on interruption they go out with what is still queued.
    let batch: Array<SinkEvent> = []
    const sendBatch = Effect.suspend(() => {
      const events = batch
      batch = []
      return sendInBatches(events, size, true)
    })
    // Waits for an event, then (with `within`) for the batch to fill or the time to pass.
    const collect: Effect.Effect<void, Cause.Done> =
      withinMillis === undefined
        ? Effect.map(Queue.takeAll(queue), (events) => {
            batch = events
          })
        : Effect.gen(function* () {
            batch = yield* Queue.takeAll(queue)
            const deadline = (yield* Clock.currentTimeMillis) + withinMillis
            while (batch.length < size) {
              const left = deadline - (yield* Clock.currentTimeMillis)
              if (left <= 0) return
              const more = yield* Effect.timeoutOption(Queue.takeAll(queue), left)
              if (Option.isNone(more)) return
              batch.push(...more.value)
            }
          })
    // The queue fails with `Done` once ended and empty: what was collected goes, then the sender stops.
    const sender = yield* Effect.forkIn(
      Effect.catch(Effect.forever(Effect.andThen(collect, sendBatch)), () => sendBatch),
      scope
    )
    // Added after the fork, so it runs before the fork's own finalizer interrupts the sender.
    yield* Scope.addFinalizerExit(scope, (exit) =>
      Exit.hasInterrupts(exit)
        ? Fiber.interrupt(sender).pipe(
            Effect.andThen(Queue.clear(queue)),
            Effect.flatMap((queued) => {
              const rest = [...batch, ...queued]
              batch = []
              return sendInBatches(rest, size, false)
            })
          )
        : Effect.andThen(Queue.end(queue), Fiber.join(sender))
    )
    return {
      offerUnsafe: (event) => {
        Queue.offerUnsafe(queue, event)
      },
      offerAll: (events) => Effect.asVoid(Queue.offerAll(queue, events))
    }
  })
