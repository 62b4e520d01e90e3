/**
 * typed-events: payloads encoded and checked by a schema. An event that does
 * not decode is handed back, and after two deliveries it moves to the
 * dead-letter stream, where a reader finds it.
 */
import { DeadLetter, Event, EventStream, Payload, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import { OrderPlaced } from "./orders.js"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The typed-events example. */
export const typedEvents: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const billingName = yield* Scratch.sinkName("billing")
  // #region typed-events
  const orderPlaced = Payload.json(OrderPlaced)
  const orders = yield* EventStream.make(name)
  yield* orders.add("placed", yield* orderPlaced.encode(new OrderPlaced({ id: 1, total: 25 })))
  yield* orders.add("placed", yield* orderPlaced.encode(new OrderPlaced({ id: 2, total: 40 })))
  // A producer with a bug: this payload is no OrderPlaced.
  yield* orders.add("placed", '{"id":"three"}')

  // After two deliveries without an ack, an event moves to the stream's dead letters.
  const billing = yield* orders.sink(billingName, {
    start: StartAt.oldest,
    ackGracePeriod: "300 millis",
    maxDeliveries: 2
  })
  const deliveries = new Map<string, number>()
  // `process` acknowledges the events the handler succeeds on and hands back the others.
  const bill = billing.process((event) =>
    orderPlaced.decode(event).pipe(
      Effect.tap((order) => Console.log(`billed order ${order.id}: ${order.total} EUR`)),
      Effect.tapError((error) => {
        const delivery = (deliveries.get(event.id) ?? 0) + 1
        deliveries.set(event.id, delivery)
        const issue = error.issue.replace(/\s*\n\s*/g, " ")
        return Console.log(`delivery ${delivery} of an event that does not decode: ${issue}`)
      })
    )
  )

  // The dead letters form a stream of their own: a reader shows what landed there.
  const reader = yield* DeadLetter.reader(orders.name, { start: StartAt.oldest })
  const firstDeadLetter = reader.events.pipe(
    Stream.take(1),
    Stream.runForEach((dead) => Console.log(`the dead-letter stream got "${dead.eventName}": ${Event.text(dead)}`))
  )
  // Billing runs until the dead letter arrives (a failure of either fails the example).
  yield* Effect.raceFirst(Effect.andThen(bill, Effect.never), firstDeadLetter)
  // #endregion
}).pipe(Effect.scoped)
