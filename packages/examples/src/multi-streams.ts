/**
 * multi-streams: one sink reads two streams; once a stream is removed from
 * the sink, its events no longer arrive.
 */
import { type Event, EventStream, type Sink, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The next `count` events of a sink, acknowledged. */
const nextEvents = (sink: Sink.Sink, count: number) =>
  sink.events.pipe(
    Stream.take(count),
    Stream.tap((event) => sink.ack(event)),
    Stream.runCollect
  )

/** "<event> from <stream>", in a stable order for the output. */
const describe = (events: ReadonlyArray<Event.Event>) =>
  events
    .map((event) => `${event.eventName} from ${Scratch.label(event.streamName)}`)
    .sort()
    .join(", ")

/** The multi-streams example. */
export const multiStreams: Program = Effect.gen(function* () {
  const ordersName = yield* Scratch.streamName("orders")
  const paymentsName = yield* Scratch.streamName("payments")
  const auditName = yield* Scratch.sinkName("audit")
  // #region multi-streams
  const orders = yield* EventStream.make(ordersName)
  const payments = yield* EventStream.make(paymentsName)

  // One sink over two streams: it starts on orders, and payments is added.
  const audit = yield* orders.sink(auditName, { start: StartAt.oldest })
  yield* audit.addStream(payments)

  yield* orders.add("order-placed", "order 1")
  yield* payments.add("payment-received", "order 1")
  yield* Console.log(`the sink audit got: ${describe(yield* nextEvents(audit, 2))}`)

  // Removed, payments is no longer read by this sink (its consumer group goes with its last consumer).
  yield* audit.removeStream(payments)
  yield* payments.add("payment-refunded", "order 1")
  yield* orders.add("order-cancelled", "order 1")
  yield* Console.log(`after removing payments it got: ${describe(yield* nextEvents(audit, 1))}`)
  // #endregion
}).pipe(Effect.scoped)
