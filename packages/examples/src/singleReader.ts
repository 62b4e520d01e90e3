/**
 * single-reader: add an event, read it with a reader, close.
 */
import { Event, EventStream, type RedisClient, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"

export const singleReader: Effect.Effect<void, unknown, RedisClient.RedisClient> = Effect.gen(function* () {
  const stream = yield* EventStream.make(`examples-single-reader-${Date.now()}`)
  yield* Effect.addFinalizer(() => Effect.ignore(stream.destroy))
  const id = yield* stream.add("greeting", "hello, pulse")
  yield* Console.log(`added event ${id === undefined ? "?" : "with an ID"} to ${stream.name.replace(/-\d+$/, "")}`)
  const reader = yield* stream.reader({ start: StartAt.oldest })
  const [event] = yield* reader.events.pipe(Stream.take(1), Stream.runCollect)
  yield* Console.log(`reader got ${event?.eventName}: ${event === undefined ? "" : Event.text(event)}`)
  yield* reader.close
  yield* Console.log(`reader closed: ${yield* reader.isClosed}`)
}).pipe(Effect.scoped)
