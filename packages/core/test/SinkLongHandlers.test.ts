import { describe, expect, it } from "@effect/vitest"
import { type Event, EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Deferred, Effect, Exit, Fiber, Option, Queue, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Long-running handlers (#16): an event stays with the consumer whose handler runs past the grace period.
const grace = "2 seconds"

const pendingOf = (stream: EventStream.EventStream, sink: string) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    return yield* redis.xpendingRange(stream.key, sink, { start: "-", end: "+", count: 10 })
  })

/** Advances the TestClock by `millis` in steps of 100 ms, so that the sinks' loops run at their times. */
const advance = (millis: number) =>
  Effect.gen(function* () {
    for (let passed = 0; passed < millis; passed += 100) yield* TestClock.adjust("100 millis")
  })

/** A handler that records each call and waits until released. */
const blockingHandler = Effect.gen(function* () {
  const calls = yield* Queue.unbounded<string>()
  const release = yield* Deferred.make<void>()
  const handler = (event: Event.Event) => Effect.andThen(Queue.offer(calls, event.id), Deferred.await(release))
  return { calls, release, handler }
})

describe("Long-running handlers (InMemoryRedis, TestClock)", () => {
  it.effect("process keeps an event claimed while its handler runs past the grace period", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("long-process")
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const { calls, release, handler } = yield* blockingHandler
      yield* Effect.forkScoped(sink.process(handler))
      const id = yield* stream.add("created", "")
      expect(yield* Queue.take(calls)).toBe(id)
      // Another consumer of the sink, which would claim the event were it left idle.
      const other = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const otherGot = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(other.events.pipe(Stream.runForEach((event) => Queue.offer(otherGot, event.id))))
      yield* advance(10_000)
      // Five grace periods later: delivered once, to this consumer, and idle for less than a grace period.
      expect(yield* Queue.size(calls)).toBe(0)
      expect(yield* Queue.size(otherGot)).toBe(0)
      const [pending] = yield* pendingOf(stream, "billing")
      expect(pending).toMatchObject({ id, consumer: sink.consumer, deliveries: 1 })
      expect(pending!.idleMillis).toBeLessThan(2000)
      yield* Deferred.succeed(release, undefined)
      yield* advance(100)
      expect(yield* pendingOf(stream, "billing")).toEqual([])
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("an event held long stays claimed while thousands of others are handled and let go around it", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("long-among-many", { maxLen: 10_000 })
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const slowId = yield* stream.add("slow", "")
      yield* stream.addAll(Array.from({ length: 5000 }, () => ({ name: "quick", payload: "" })))
      const release = yield* Deferred.make<void>()
      const handled: Array<string> = []
      const handler = (event: Event.Event) =>
        Effect.andThen(
          event.eventName === "slow" ? Deferred.await(release) : Effect.void,
          Effect.sync(() => handled.push(event.id))
        )
      yield* Effect.forkScoped(sink.process(handler, { concurrency: 16 }))
      // Every quick event is handled (and let go) while the slow one is still in hand; the sink's loops run on
      // the TestClock, which moves on in small steps meanwhile.
      while (handled.length < 5000) yield* Effect.andThen(TestClock.adjust("10 millis"), Effect.yieldNow)
      expect(handled).not.toContain(slowId)
      const other = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const otherGot = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(other.events.pipe(Stream.runForEach((event) => Queue.offer(otherGot, event.id))))
      yield* advance(10_000)
      expect(yield* Queue.size(otherGot)).toBe(0)
      const pending = yield* pendingOf(stream, "billing")
      expect(pending.map((entry) => entry.id)).toEqual([slowId])
      expect(pending[0]!.idleMillis).toBeLessThan(2000)
      yield* Deferred.succeed(release, undefined)
      yield* advance(100)
      expect(handled.at(-1)).toBe(slowId)
      expect(yield* pendingOf(stream, "billing")).toEqual([])
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("a consumer that goes away stops refreshing: the event comes to another after the grace period", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("long-dies")
      const scope = yield* Scope.make()
      const dying = yield* stream
        .sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
        .pipe(Scope.provide(scope))
      const { calls, handler } = yield* blockingHandler
      yield* Effect.forkIn(dying.process(handler), scope)
      const id = yield* stream.add("created", "")
      expect(yield* Queue.take(calls)).toBe(id)
      const survivor = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const again = yield* Effect.forkScoped(
        survivor.events.pipe(Stream.take(1), Stream.runHead, Effect.map(Option.getOrThrow))
      )
      yield* advance(3_000)
      expect(again.pollUnsafe()).toBeUndefined()
      yield* Scope.close(scope, Exit.void)
      yield* advance(3_000)
      expect((yield* Fiber.join(again)).id).toBe(id)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("extend refreshes an event's idle time; keepClaimed does it while an effect runs", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("long-extend")
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const ids = yield* stream.addAll([
        { name: "created", payload: "1" },
        { name: "created", payload: "2" }
      ])
      const [first, second] = yield* sink.events.pipe(Stream.take(2), Stream.runCollect)
      const seen = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(
        sink.events.pipe(Stream.runForEach((event) => Effect.andThen(Queue.offer(seen, event.id), sink.ack(event))))
      )
      const working = yield* Deferred.make<void>()
      yield* Effect.forkScoped(Deferred.await(working).pipe(sink.keepClaimed(second!)))
      yield* advance(1_500)
      expect(yield* sink.extend(first!)).toBe(true)
      yield* advance(1_500)
      // 3 s after delivery: the first was extended at 1.5 s, the second is kept claimed.
      expect(yield* Queue.size(seen)).toBe(0)
      yield* advance(3_000)
      // The first was not extended again: it came back, to this same consumer (the only one).
      expect(yield* Queue.takeAll(seen)).toEqual([ids[0]])
      yield* Deferred.succeed(working, undefined)
      yield* advance(2_600)
      expect(yield* Queue.takeAll(seen)).toEqual([ids[1]])
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )
})

const holdFor = (sink: Sink.Sink, millis: number) =>
  Effect.gen(function* () {
    const calls: Array<string> = []
    const started = yield* Deferred.make<void>()
    const done = yield* Deferred.make<void>()
    yield* Effect.forkScoped(
      sink.process((event) =>
        Effect.sync(() => calls.push(event.id)).pipe(
          Effect.andThen(Deferred.succeed(started, undefined)),
          Effect.andThen(Effect.sleep(millis)),
          Effect.andThen(Deferred.succeed(done, undefined))
        )
      )
    )
    return { calls, started, done }
  })

describeOnBothLayers("Long-running handlers", (it) => {
  it.effect("a handler running three grace periods keeps its event: delivered once, then acked (real time)", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("long-live"))
      const name = uniqueName("billing")
      const sink = yield* stream.sink(name, { start: StartAt.oldest, ackGracePeriod: "600 millis" })
      const { calls, started, done } = yield* holdFor(sink, 1_800)
      const id = yield* stream.add("created", "")
      yield* Deferred.await(started)
      // Another consumer of the sink, which would claim the event were it left idle.
      const other = yield* stream.sink(name, { start: StartAt.oldest, ackGracePeriod: "600 millis" })
      const otherGot: Array<string> = []
      yield* Effect.forkScoped(
        other.events.pipe(Stream.runForEach((event) => Effect.sync(() => otherGot.push(event.id))))
      )
      yield* Deferred.await(done)
      yield* eventually(pendingOf(stream, name), (pending) => pending.length === 0)
      expect(calls).toEqual([id])
      expect(otherGot).toEqual([])
    })
  )
})
