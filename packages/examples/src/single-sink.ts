/**
 * single-sink: a sink reads an event and acknowledges it.
 */
import { Event, EventStream, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The single-sink example. */
export const singleSink: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const billingName = yield* Scratch.sinkName("billing")
  // #region single-sink
  const orders = yield* EventStream.make(name)
  // A sink is a consumer group: it is created here, at the oldest event.
  const billing = yield* orders.sink(billingName, { start: StartAt.oldest })
  yield* orders.add("created", "order 1")

  yield* billing.events.pipe(
    Stream.take(1),
    Stream.runForEach((event) =>
      Effect.gen(function* () {
        yield* Console.log(`the sink billing got "${event.eventName}": ${Event.text(event)}`)
        // Unacknowledged, the event would be delivered again once the ack grace period (20 s) is over.
        yield* billing.ack(event)
        yield* Console.log("acknowledged it: it will not be delivered again")
      })
    )
  )
  // #endregion
}).pipe(Effect.scoped)
