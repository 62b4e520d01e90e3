/**
 * `Sink.process`: handlers run on the events of each pull from the buffer,
 * with the requested concurrency (so a slow handler holds up the next pull,
 * not the others of its own); the acks of handled events go through one fiber that sends
 * whatever piled up during its last round trip as one `XACK` per stream, so
 * acking costs a round trip per batch, not per event.
 *
 * An event is acked only after its handler succeeded. If processing stops
 * before an ack went out, the event stays pending and is delivered again
 * after the grace period: at-least-once, as everywhere else.
 *
 * @internal
 */
import { Cause, Effect, Exit, Fiber, Queue, Stream } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import { retryWhileDisconnected } from "./retry.js"
import type { SinkError } from "./sinkState.js"

export interface ProcessOptions<X, E, R> {
  readonly events: Stream.Stream<Event, SinkError>
  readonly ackAll: (events: ReadonlyArray<Event>) => Effect.Effect<void, RedisError>
  readonly nack: (event: Event) => Effect.Effect<void, RedisError>
  readonly handler: (event: Event) => Effect.Effect<X, E, R>
  readonly concurrency: number
}

export const process = <X, E, R>(options: ProcessOptions<X, E, R>): Effect.Effect<void, SinkError, R> =>
  Effect.gen(function* () {
    const handled = yield* Queue.unbounded<Event, Cause.Done>()
    const acking = yield* Stream.fromQueue(handled).pipe(
      Stream.runForEachArray((events) =>
        retryWhileDisconnected(options.ackAll(events)).pipe(
          Effect.catch((error) => Effect.logError(`could not ack ${events.length} handled event(s)`, error))
        )
      ),
      Effect.forkScoped
    )
    const handle = (event: Event) =>
      Effect.flatMap(Effect.exit(options.handler(event)), (exit) =>
        Exit.isSuccess(exit)
          ? Queue.offer(handled, event)
          : Effect.logWarning(`handler failed on event ${event.id}; handing it back`, Cause.squash(exit.cause)).pipe(
              Effect.andThen(retryWhileDisconnected(options.nack(event))),
              Effect.catch((error) => Effect.logError(`could not hand back event ${event.id}`, error))
            )
      )
    // Each pull's events are handled together, `concurrency` at a time; a
    // fiber per pull instead of one per event is most of the throughput.
    const drained = yield* Effect.exit(
      Stream.runForEachArray(options.events, (events) =>
        Effect.forEach(events, handle, { concurrency: options.concurrency, discard: true })
      )
    )
    // The acks of every handled event go out before `process` returns.
    yield* Queue.end(handled)
    yield* Fiber.join(acking)
    return yield* drained
  }).pipe(Effect.scoped)
