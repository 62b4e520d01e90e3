/**
 * pub-sub: events carry topics; readers and sinks keep those whose topic
 * matches, exactly or by a pattern.
 */
import { Event, EventStream, StartAt, Topic } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** "<payload> (<topic>)" for each event. */
const describe = (events: ReadonlyArray<Event.Event>) =>
  events.map((event) => `${Event.text(event)} (${event.topic})`).join(", ")

/** The pub-sub example. */
export const pubSub: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const americasName = yield* Scratch.sinkName("americas")
  // #region pub-sub
  const orders = yield* EventStream.make(name)
  // A string is an exact topic.
  const france = yield* orders.reader({ start: StartAt.oldest, topic: "eu.fr" })
  // A glob: `*` stands for anything within one dot-separated segment.
  const europe = yield* orders.reader({ start: StartAt.oldest, topic: Topic.glob("eu.*") })
  // A regular expression. A sink acknowledges the events its topic filter rejects.
  const americas = yield* orders.sink(americasName, { start: StartAt.oldest, topic: /^(us|ca)\./ })

  yield* orders.addAll([
    { name: "created", payload: "order 1", topic: "eu.fr" },
    { name: "created", payload: "order 2", topic: "us.ny" },
    { name: "created", payload: "order 3", topic: "eu.de" },
    { name: "created", payload: "order 4", topic: "ca.qc" }
  ])

  const franceGot = yield* france.events.pipe(Stream.take(1), Stream.runCollect)
  yield* Console.log(`the reader of "eu.fr" got: ${describe(franceGot)}`)
  const europeGot = yield* europe.events.pipe(Stream.take(2), Stream.runCollect)
  yield* Console.log(`the reader of eu.* got: ${describe(europeGot)}`)
  const americasGot = yield* americas.events.pipe(
    Stream.take(2),
    Stream.tap((event) => americas.ack(event)),
    Stream.runCollect
  )
  yield* Console.log(`the sink of /^(us|ca)\\./ got: ${describe(americasGot)}`)
  // #endregion
}).pipe(Effect.scoped)
