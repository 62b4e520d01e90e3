/**
 * `Sink.process` is the pipeline `handle` stage run to the end on the
 * sink's buffered events: there is one implementation of acking on success
 * and handing back on failure, the stage's. It runs the stage's workers
 * itself, without the queue that hands handled events downstream: nothing
 * is downstream of `process`.
 *
 * It pulls `eventBatches` (whatever the buffer holds at each pull) rather
 * than `events` (one event per pull), which costs a pull per batch instead of
 * one per event. A run stopped in the middle of a batch drops the rest of
 * it; those events stay pending and are delivered again, as for any
 * consumer that stops before acking.
 *
 * @internal
 */
import { Effect, Stream } from "effect"
import * as Pull from "effect/Pull"
import type { InvalidOption } from "../Errors.js"
import type { SinkEvent } from "../Event.js"
import { type HandleOptions, makeHandling, runWorkers } from "./sinkStages.js"
import type { SinkError } from "./sinkState.js"

export const process = <X, E, R>(
  eventBatches: Stream.Stream<SinkEvent, SinkError>,
  handler: (event: SinkEvent) => Effect.Effect<X, E, R>,
  options: HandleOptions | undefined
): Effect.Effect<void, SinkError | InvalidOption, R> =>
  Effect.scoped(
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const handling = yield* makeHandling(yield* Stream.toPull(eventBatches), handler, options, scope)
      const handle = handling.handleWith((event) => {
        handling.acks.offerUnsafe(event)
        return Effect.void
      })
      const ended = yield* runWorkers(handling.pulled, handle, handling.concurrency)
      return yield* Pull.doneExitFromCause(ended)
    })
  )
