/**
 * single-reader: add an event to a stream, read it with a reader, close the
 * reader.
 */
import { Event, EventStream, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The single-reader example. */
export const singleReader: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("greetings")
  // #region single-reader
  const greetings = yield* EventStream.make(name)
  yield* greetings.add("greeting", "hello, pulse")
  yield* Console.log('added a "greeting" event to the stream greetings')

  // Starting at the oldest event, the reader sees the one just added.
  const reader = yield* greetings.reader({ start: StartAt.oldest })
  yield* reader.events.pipe(
    Stream.take(1),
    Stream.runForEach((event) => Console.log(`the reader got "${event.eventName}": ${Event.text(event)}`))
  )

  // Closing the scope would close the reader too; `close` does it sooner.
  yield* reader.close
  yield* Console.log(`the reader is closed: ${yield* reader.isClosed}`)
  // #endregion
}).pipe(Effect.scoped)
