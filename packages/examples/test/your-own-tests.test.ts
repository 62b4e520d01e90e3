/**
 * How to test code that uses effect-pulse: on the in-memory Redis with the
 * test clock, and on a real Redis from the harness. The README shows these
 * regions.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { EventStream, InMemoryRedis, type Sink, StartAt } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"

/** The next event a sink delivers. */
const nextEvent = (sink: Sink.Sink) =>
  sink.events.pipe(
    Stream.take(1),
    Stream.runCollect,
    Effect.map(([event]) => event!)
  )

// #region testing-in-memory
describe("billing, on the in-memory Redis", () => {
  // `it.effect` runs on the TestClock, which also drives the in-memory Redis and the sinks' timers.
  it.effect("an event not acknowledged comes back after the grace period", () =>
    Effect.gen(function* () {
      const orders = yield* EventStream.make("orders")
      const billing = yield* orders.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      yield* orders.add("created", "order 1")
      const first = yield* nextEvent(billing)

      const again = yield* Effect.forkScoped(nextEvent(billing))
      yield* TestClock.adjust("20 seconds")
      expect((yield* Fiber.join(again)).id).toBe(first.id)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )
})
// #endregion

// #region testing-real-redis
// A redis-server started for this suite on a free port (or a Docker container) and stopped after it.
// `layerClient` would use REDIS_URL instead when it is set.
layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("billing, on a real Redis", (it) => {
  it.effect("two consumers of one sink share the events", () =>
    Effect.gen(function* () {
      const orders = yield* EventStream.make("orders")
      const first = yield* orders.sink("billing", { start: StartAt.oldest })
      const second = yield* orders.sink("billing", { start: StartAt.oldest })
      yield* orders.addAll([1, 2, 3, 4].map((n) => ({ name: "created", payload: `order ${n}` })))

      const both = Stream.merge(first.events, second.events)
      const received = yield* both.pipe(Stream.take(4), Stream.runCollect)
      expect(new Set(received.map((event) => event.id)).size).toBe(4)
    })
  )
})
// #endregion
