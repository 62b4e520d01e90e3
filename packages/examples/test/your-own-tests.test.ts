/**
 * How to test code that uses effect-pulse: on the in-memory Redis with the
 * test clock, and on a real Redis from the harness. The README shows these
 * regions.
 */
import { expect, layer } from "@effect/vitest"
import { Event, EventStream, type Sink, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Fiber, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"

/** The next event a sink delivers. */
const nextEvent = (sink: Sink.Sink) =>
  sink.events.pipe(
    Stream.take(1),
    Stream.runCollect,
    Effect.map(([event]) => event!)
  )

// #region testing-in-memory
// The code under test: a billing service whose handler may fail.
const billOrders = (sink: Sink.Sink, bill: (order: string) => Effect.Effect<void, string>) =>
  sink.process((event) => bill(Event.text(event)))

// One in-memory Redis for the block, with the TestClock, which drives it and the sinks' timers:
// grace periods pass when the test says so, without real waiting.
layer(InMemoryRedis.layer)("billing, on the in-memory Redis", (it) => {
  it.effect("an order whose billing failed is billed again", () =>
    Effect.gen(function* () {
      const orders = yield* EventStream.make("orders")
      const billing = yield* orders.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      const attempts = yield* Queue.unbounded<string>()
      // The first attempt fails: `process` hands the event back for redelivery.
      const bill = (order: string) =>
        Queue.offer(attempts, order).pipe(
          Effect.andThen(Queue.size(attempts)),
          Effect.flatMap((size) => (size === 1 ? Effect.fail("payment service down") : Effect.void))
        )
      yield* Effect.forkScoped(billOrders(billing, bill))

      yield* orders.add("created", "order 1")
      expect(yield* Queue.take(attempts)).toBe("order 1")
      yield* TestClock.adjust("20 seconds")
      expect(yield* Queue.take(attempts)).toBe("order 1")
    })
  )

  it.effect("an event not acknowledged comes back after the grace period", () =>
    Effect.gen(function* () {
      const orders = yield* EventStream.make("payments")
      const billing = yield* orders.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      yield* orders.add("created", "payment 1")
      const first = yield* nextEvent(billing)

      const again = yield* Effect.forkScoped(nextEvent(billing))
      yield* TestClock.adjust("20 seconds")
      expect((yield* Fiber.join(again)).id).toBe(first.id)
    })
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
