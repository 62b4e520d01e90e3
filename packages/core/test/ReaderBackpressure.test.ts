import { expect } from "@effect/vitest"
import { EventStream, StartAt } from "@effect-pulse/core"
import { Effect, Fiber, Stream } from "effect"
import { describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

describeOnBothLayers(
  "Reader backpressure",
  (it) => {
    it.effect("a subscriber taking one event per 10 ms keeps the buffer within bufferSize under 100 000 adds", () =>
      Effect.gen(function* () {
        const bufferSize = 100
        const stream = yield* EventStream.make(uniqueName("backpressure"), { maxLen: 200_000 })
        const reader = yield* stream.reader({ start: StartAt.oldest, bufferSize })
        const subscription = yield* reader.subscribe
        const batch = Array.from({ length: 1000 }, (_, n) => ({ name: "tick", payload: String(n) }))
        const producer = yield* Effect.forkScoped(Effect.repeat(stream.addAll(batch), { times: 99 }))

        let maxBuffered = 0
        const sample = Effect.tap(reader.bufferedEvents, (buffered) =>
          Effect.sync(() => {
            maxBuffered = Math.max(maxBuffered, buffered)
          })
        )
        const slowly = (count: number) =>
          subscription.pipe(
            Stream.take(count),
            Stream.runForEach(() => Effect.andThen(Effect.sleep("10 millis"), sample))
          )
        yield* slowly(30)
        yield* Fiber.join(producer)
        yield* slowly(30)

        expect(maxBuffered).toBeGreaterThan(0)
        expect(maxBuffered).toBeLessThanOrEqual(bufferSize)
      })
    )
  },
  { cluster: true }
)
