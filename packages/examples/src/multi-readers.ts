/**
 * multi-readers: two readers of one stream with different start positions;
 * each sees every event after its own start.
 */
import { Event, EventStream, type Reader, StartAt } from "@effect-pulse/core"
import { Console, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The payloads of the next `count` events of a reader. */
const nextPayloads = (reader: Reader.Reader, count: number) =>
  reader.events.pipe(Stream.take(count), Stream.map(Event.text), Stream.runCollect)

/** The multi-readers example. */
export const multiReaders: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  // #region multi-readers
  const orders = yield* EventStream.make(name)
  yield* orders.add("created", "order 1")

  // One reader starts at the oldest event still stored...
  const fromOldest = yield* orders.reader({ start: StartAt.oldest })
  // ...the other after the newest event at the moment it is created (the default).
  const fromNewest = yield* orders.reader()

  yield* orders.add("created", "order 2")
  yield* Console.log("added order 1, opened the two readers, added order 2")

  // Readers are independent: each gets its own copy of the events after its start.
  yield* Console.log(`the reader from the oldest event got: ${(yield* nextPayloads(fromOldest, 2)).join(", ")}`)
  yield* Console.log(`the reader from the newest event got: ${(yield* nextPayloads(fromNewest, 1)).join(", ")}`)
  // #endregion
}).pipe(Effect.scoped)
