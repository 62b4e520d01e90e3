/**
 * multi-sinks: two sinks each get every event; two consumers of one sink
 * share its events, each event going to one of them.
 */
import { Event, EventStream, type Sink, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The events a consumer receives, acknowledged as they come. */
const acked = (sink: Sink.Sink) => sink.events.pipe(Stream.tap((event) => sink.ack(event)))

/** Payloads in a stable order for the output, whatever order they came in. */
const sorted = (events: ReadonlyArray<Event.Event>) => events.map(Event.text).sort().join(", ")

/** The multi-sinks example. */
export const multiSinks: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const shippingName = yield* Scratch.sinkName("shipping")
  const billingName = yield* Scratch.sinkName("billing")
  // #region multi-sinks
  const orders = yield* EventStream.make(name)
  // Sinks with different names each get every event.
  const shipping = yield* orders.sink(shippingName, { start: StartAt.oldest })
  // Consumers of the same sink (usually one per process) share one cursor.
  const billing1 = yield* orders.sink(billingName, { start: StartAt.oldest })
  const billing2 = yield* orders.sink(billingName, { start: StartAt.oldest })

  yield* orders.addAll(["order 1", "order 2", "order 3", "order 4"].map((payload) => ({ name: "created", payload })))

  const shipped = yield* acked(shipping).pipe(Stream.take(4), Stream.runCollect)
  yield* Console.log(`the sink shipping got: ${sorted(shipped)}`)

  // Which consumer gets which event depends on timing; together they get each event once.
  const billed = yield* Stream.merge(acked(billing1), acked(billing2)).pipe(Stream.take(4), Stream.runCollect)
  const distinct = new Set(billed.map(Event.text)).size
  yield* Console.log(`the two consumers of the sink billing got between them: ${sorted(billed)}`)
  yield* Console.log(`events billed twice: ${billed.length - distinct}`)
  // #endregion
}).pipe(Effect.scoped)
