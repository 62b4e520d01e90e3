/**
 * pipeline: a sink's events through stages composed with `pipe`: a topic
 * filter (a sink acknowledges what it filters out), a payload decoder (what
 * does not decode goes straight to the dead letters) and a handler stage
 * (acknowledges each event its handler succeeds on, hands back the others).
 */
import { DeadLetter, Event, EventStream, Payload, Sink, StartAt, Topic } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import { OrderPlaced } from "./orders.js"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The pipeline example. */
export const pipeline: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const billingName = yield* Scratch.sinkName("billing")
  // #region pipeline
  const orderPlaced = Payload.json(OrderPlaced)
  const orders = yield* EventStream.make(name)
  const placed = (id: number, total: number) => orderPlaced.encode(new OrderPlaced({ id, total }))
  yield* orders.addAll([
    { name: "placed", payload: yield* placed(1, 25), topic: "orders.eu.fr" },
    { name: "placed", payload: yield* placed(2, 90), topic: "orders.us.ny" },
    { name: "placed", payload: '{"id":"three"}', topic: "orders.eu.de" },
    { name: "placed", payload: yield* placed(4, 40), topic: "orders.eu.de" }
  ])
  const billing = yield* orders.sink(billingName, { start: StartAt.oldest })

  const billOrder = ({ value }: Payload.Decoded<OrderPlaced>) =>
    Console.log(`billed order ${value.id}: ${value.total} EUR`)
  const billed = yield* billing.events.pipe(
    // Events of other topics are acknowledged, never left pending.
    Topic.filter(Topic.glob("orders.eu.*")),
    // A payload that does not decode goes to the dead letters at once.
    Payload.decode(orderPlaced, { onError: "deadLetter" }),
    // Acknowledged when billOrder succeeds, handed back when it fails.
    Sink.handle(billOrder, { concurrency: 8 }),
    // An application would run this until the sink closes; the example stops after two orders.
    Stream.take(2),
    Stream.runCollect
  )
  yield* Console.log(`billed ${billed.length} European orders; the American one was filtered out`)

  const [letter] = yield* DeadLetter.list(orders.name)
  const reason = letter!.reason?.replace(/\s*\n\s*/g, " ")
  yield* Console.log(`the dead letters got ${Event.text(letter!.event)}, because: ${reason}`)
  // #endregion
}).pipe(Effect.scoped)
