import { describe, expect, it } from "@effect/vitest"
import { DeadLetter, Event, EventStream, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect, Fiber, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as KeepAlive from "../src/internal/sinkKeepAlive.js"
import * as Registry from "../src/internal/sinkRegistry.js"

// Grace periods and claims on the in-memory Redis, with the TestClock: every
// time below is exact. Checks run every grace / 4 = 5 s, from the first run.
const grace = "20 seconds"

const takeOne = (events: Stream.Stream<Event.Event, unknown>) =>
  events.pipe(Stream.take(1), Stream.runHead, Effect.map(Option.getOrThrow))

const isDone = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.sync(() => fiber.pollUnsafe() !== undefined)

const setup = Effect.gen(function* () {
  const redis = yield* RedisClient.RedisClient
  const stream = yield* EventStream.make("redelivery")
  return { redis, stream }
})

describe("Sink redelivery (InMemoryRedis, TestClock)", () => {
  it.effect("an unacked event comes back after exactly the grace period, not before", () =>
    Effect.gen(function* () {
      const { stream } = yield* setup
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const id = yield* stream.add("created", "")
      expect((yield* takeOne(sink.events)).id).toBe(id)
      const again = yield* Effect.forkScoped(takeOne(sink.events))
      yield* TestClock.adjust("19999 millis")
      expect(yield* isDone(again)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(again)).id).toBe(id)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("an acked event never comes back", () =>
    Effect.gen(function* () {
      const { redis, stream } = yield* setup
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      yield* stream.add("created", "")
      yield* sink.ack(yield* takeOne(sink.events))
      const again = yield* Effect.forkScoped(takeOne(sink.events))
      yield* TestClock.adjust("5 minutes")
      expect(yield* isDone(again)).toBe(false)
      expect((yield* redis.xpending(stream.key, "billing")).count).toBe(0)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("a nacked event comes back 50 ms later, not at the next claim check", () =>
    Effect.gen(function* () {
      const { stream } = yield* setup
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const id = yield* stream.add("created", "")
      yield* sink.nack(yield* takeOne(sink.events))
      const again = yield* Effect.forkScoped(takeOne(sink.events))
      yield* TestClock.adjust("49 millis")
      expect(yield* isDone(again)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(again)).id).toBe(id)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect(
    "a same-named sink on another stream is not held up by the lease: it claims its own events once overdue",
    () =>
      Effect.gen(function* () {
        const { stream } = yield* setup
        // The case: a default-grace sink of the same name holds the lease (taken every 5 s, for 495 ms: this test runs within that).
        const holder = yield* stream.sink("billing", { ackGracePeriod: grace })
        yield* Effect.forkScoped(Stream.runDrain(holder.events))
        const other = yield* EventStream.make("redelivery-other")
        const sink = yield* other.sink("billing", {
          start: StartAt.oldest,
          ackGracePeriod: "300 millis",
          maxDeliveries: 2
        })
        const id = yield* other.add("created", "")
        expect((yield* takeOne(sink.events)).id).toBe(id)
        const again = yield* Effect.forkScoped(takeOne(sink.events))
        // Checks every 75 ms: the oldest pending event is overdue at 300 + 75 ms.
        yield* TestClock.adjust("374 millis")
        expect(yield* isDone(again)).toBe(false)
        yield* TestClock.adjust("1 millis")
        expect((yield* Fiber.join(again)).id).toBe(id)
      }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect(
    "a closed sink's lease is released: the next same-named sink redelivers after exactly its grace period",
    () =>
      Effect.gen(function* () {
        const { redis, stream } = yield* setup
        yield* Effect.scoped(
          Effect.gen(function* () {
            const holder = yield* stream.sink("billing", { ackGracePeriod: grace })
            yield* Effect.forkScoped(Stream.runDrain(holder.events))
            yield* TestClock.adjust("1 millis")
            expect(yield* redis.get(Sink.keys("billing").lease)).not.toBeNull()
          })
        )
        expect(yield* redis.get(Sink.keys("billing").lease)).toBeNull()
        const other = yield* EventStream.make("redelivery-other")
        const sink = yield* other.sink("billing", {
          start: StartAt.oldest,
          ackGracePeriod: "300 millis",
          maxDeliveries: 2
        })
        const id = yield* other.add("created", "")
        expect((yield* takeOne(sink.events)).id).toBe(id)
        const again = yield* Effect.forkScoped(takeOne(sink.events))
        yield* TestClock.adjust("299 millis")
        expect(yield* isDone(again)).toBe(false)
        yield* TestClock.adjust("1 millis")
        expect((yield* Fiber.join(again)).id).toBe(id)
      }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("after maxDeliveries deliveries an event moves to the dead-letter stream and is acked", () =>
    Effect.gen(function* () {
      const { redis, stream } = yield* setup
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace, maxDeliveries: 2 })
      const id = yield* stream.add("created", "poison", { topic: "eu" })
      const deliveries: Array<string> = []
      yield* Effect.forkScoped(Stream.runForEach(sink.events, (event) => Effect.sync(() => deliveries.push(event.id))))
      yield* TestClock.adjust("20 seconds")
      expect(deliveries).toEqual([id, id])
      yield* TestClock.adjust("20 seconds")
      expect(deliveries).toEqual([id, id])
      expect((yield* redis.xpending(stream.key, "billing")).count).toBe(0)
      const reader = yield* DeadLetter.reader(stream.name, { start: StartAt.oldest })
      const letter = yield* takeOne(reader.events)
      expect(letter).toMatchObject({ eventName: "created", topic: "eu", streamName: `${stream.name}:dead` })
      expect(new TextDecoder().decode(letter.payload)).toBe("poison")
      // Under pulse:dead:, where no stream a user names can be (not even `<name>:dead`).
      expect(DeadLetter.key(stream.name)).toBe(`pulse:dead:${stream.name}`)
      expect(yield* redis.exists([(yield* EventStream.make(`${stream.name}:dead`)).key])).toBe(0)
      const [entry] = yield* redis.xrange(DeadLetter.key(stream.name), "-", "+")
      const fields = Object.fromEntries(entry!.fields.map(([field, value]) => [field, new TextDecoder().decode(value)]))
      expect(fields).toMatchObject({ sink: "billing", deliveries: "2", id })

      // DeadLetter decodes the same letter back into the original event.
      const [decoded, ...others] = yield* DeadLetter.list(stream.name)
      expect(others).toEqual([])
      expect(decoded).toMatchObject({ id: entry!.id, deliveries: 2 })
      expect(decoded!.event).toMatchObject({ id, streamName: stream.name, sinkName: "billing", eventName: "created" })
      expect(Event.text(decoded!.event)).toBe("poison")
      expect(yield* DeadLetter.list(stream.name, { after: entry!.id })).toEqual([])
      const badAfter = yield* Effect.flip(DeadLetter.list(stream.name, { after: "x" }))
      expect(badAfter._tag).toBe("InvalidOption")
      expect(yield* DeadLetter.remove(stream.name, [entry!.id])).toBe(1)
      expect(yield* DeadLetter.list(stream.name)).toEqual([])
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("a stale consumer's pending events are claimed before it is deleted", () =>
    Effect.gen(function* () {
      const { redis, stream } = yield* setup
      // A consumer of another process: it beat once at 0 s, read one event
      // then, and one more at 39 s (after which it went silent).
      yield* redis.xgroupCreate(stream.key, "billing", "0", { mkStream: true })
      yield* KeepAlive.beat(redis, "billing", "ghost")
      yield* stream.add("early", "")
      yield* redis.xreadgroup("billing", "ghost", [{ key: stream.key, id: ">" }])
      yield* TestClock.adjust("39 seconds")
      yield* stream.add("late", "")
      yield* redis.xreadgroup("billing", "ghost", [{ key: stream.key, id: ">" }])

      // A live consumer joins at 39 s; its checks run at 39 s, 44 s, ...
      const sink = yield* stream.sink("billing", { ackGracePeriod: grace })
      const received: Array<string> = []
      yield* Effect.forkScoped(
        Stream.runForEach(sink.events, (event) =>
          Effect.andThen(
            sink.ack(event),
            Effect.sync(() => received.push(event.eventName))
          )
        )
      )
      // The first check claims the event idle for more than a grace period;
      // the ghost, silent for 39 s, is not stale yet.
      yield* TestClock.adjust("4 seconds")
      expect(received).toEqual(["early"])
      const ghostBefore = (yield* redis.xinfoConsumers(stream.key, "billing")).find((c) => c.name === "ghost")
      expect(ghostBefore?.pending).toBe(1)
      // At 44 s the ghost is stale: its event pending for only 5 s is claimed
      // first, then the ghost is deleted and its keep-alive dropped.
      yield* TestClock.adjust("1 second")
      expect(received).toEqual(["early", "late"])
      const consumers = yield* redis.xinfoConsumers(stream.key, "billing")
      expect(consumers.map((consumer) => consumer.name)).toEqual([sink.consumer])
      expect([...(yield* KeepAlive.beats(redis, "billing")).keys()]).toEqual([sink.consumer])
      expect((yield* redis.xpending(stream.key, "billing")).count).toBe(0)
      // Unlisted from the stream's sinks map too, as Go Pulse does.
      expect((yield* Registry.sinks(redis, stream.name)).get("billing")).toEqual([sink.consumer])
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("a consumer declared stale rejoins under a new name", () =>
    Effect.gen(function* () {
      const { redis, stream } = yield* setup
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: grace })
      const before = sink.consumer
      // As another consumer, Go's or effect-pulse's, does when it judges this one stale.
      yield* KeepAlive.forget(redis, "billing", before)
      yield* TestClock.adjust("5 seconds")
      expect(sink.consumer).not.toBe(before)
      expect([...(yield* KeepAlive.beats(redis, "billing")).keys()]).toEqual([sink.consumer])
      expect((yield* Registry.sinks(redis, stream.name)).get("billing")).toEqual([sink.consumer])
      const names = (yield* redis.xinfoConsumers(stream.key, "billing")).map((consumer) => consumer.name)
      expect(names).toContain(sink.consumer)
      yield* stream.add("after-rejoin", "")
      expect((yield* takeOne(sink.events)).sinkName).toBe("billing")
      expect(
        (yield* redis.xpendingRange(stream.key, "billing", { start: "-", end: "+", count: 10 }))[0]?.consumer
      ).toBe(sink.consumer)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )
})
