import { describe, expect, it } from "@effect/vitest"
import { DeadLetter, Errors, Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Clock, Effect, Fiber, Option, Queue, Schedule, Stream } from "effect"
import { TestClock } from "effect/testing"
import { countingRedis, describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Retry schedules (#16). On the in-memory Redis with the TestClock every time is exact: a nack with a delay makes
// the event claimable when the delay ends, and the claim that hands it back runs 50 ms after that.
const takeOne = (events: Stream.Stream<Event.Event, unknown>) =>
  events.pipe(Stream.take(1), Stream.runHead, Effect.map(Option.getOrThrow))

const isDone = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.sync(() => fiber.pollUnsafe() !== undefined)

describe("Sink retry schedules (InMemoryRedis, TestClock)", () => {
  it.effect("a nack with a delay brings the event back when the delay is over, not before", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("retry-delay")
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      const id = yield* stream.add("created", "")
      yield* sink.nack(yield* takeOne(sink.events), { delay: "3 seconds" })
      const again = yield* Effect.forkScoped(takeOne(sink.events))
      yield* TestClock.adjust("3049 millis")
      expect(yield* isDone(again)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(again)).id).toBe(id)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect(
    "a delay longer than the grace period: the event stays claimed, then comes back when the delay is over",
    () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make("retry-long-delay")
        const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "2 seconds" })
        const id = yield* stream.add("created", "")
        const event = yield* takeOne(sink.events)
        // Another consumer, which would claim the event were it idle past the grace period meanwhile.
        const other = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "2 seconds" })
        const otherGot = yield* Effect.forkScoped(takeOne(other.events))
        yield* sink.nack(event, { delay: "5 seconds" })
        const again = yield* Effect.forkScoped(takeOne(sink.events))
        for (let passed = 0; passed < 4900; passed += 100) yield* TestClock.adjust("100 millis")
        yield* TestClock.adjust("99 millis")
        expect(yield* isDone(again)).toBe(false)
        expect(yield* isDone(otherGot)).toBe(false)
        // Claimable from 5 s on: the claim check or the claim the nack asked for (50 ms later) takes it.
        yield* TestClock.adjust("51 millis")
        expect((yield* Fiber.join(again)).id).toBe(id)
      }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect(
    "process steps the schedule by the delivery count, then maxDeliveries sends the event to the dead letters",
    () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make("retry-process")
        const sink = yield* stream.sink("billing", {
          start: StartAt.oldest,
          ackGracePeriod: "20 seconds",
          maxDeliveries: 4
        })
        const attempts: Array<number> = []
        const failing = () =>
          Effect.flatMap(Clock.currentTimeMillis, (time) => {
            attempts.push(time)
            return Effect.fail("payment service down")
          })
        yield* Effect.forkScoped(sink.process(failing, { retry: Schedule.exponential("1 second") }))
        const id = yield* stream.add("created", "")
        for (let step = 0; step < 400 && (yield* DeadLetter.list("retry-process")).length === 0; step++) {
          yield* TestClock.adjust("100 millis")
        }
        // Deliveries 1 to 4 fail; the delays are 1, 2 and 4 s (+ the 50 ms of the claim), then the 4th is the last.
        const gaps = attempts.slice(1).map((time, index) => time - attempts[index]!)
        expect(gaps).toEqual([1050, 2050, 4050])
        const letters = yield* DeadLetter.list("retry-process")
        expect(letters.map((letter) => [letter.event.id, letter.deliveries])).toEqual([[id, 4]])
      }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("a schedule that ends moves the event to the dead letters, saying why", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("retry-ends")
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      const attempts = yield* Queue.unbounded<string>()
      const failing = (event: Event.Event) => Effect.andThen(Queue.offer(attempts, event.id), Effect.fail("no"))
      yield* Effect.forkScoped(sink.process(failing, { retry: Schedule.recurs(1) }))
      const id = yield* stream.add("created", "")
      expect(yield* Queue.take(attempts)).toBe(id)
      // recurs(1): one retry, at once.
      yield* TestClock.adjust("50 millis")
      expect(yield* Queue.take(attempts)).toBe(id)
      const letters = yield* eventuallyLetters("retry-ends")
      expect(letters.map((letter) => [letter.event.id, letter.reason])).toEqual([
        [id, "retry schedule over after 2 deliveries"]
      ])
      const redis = yield* RedisClient.RedisClient
      expect((yield* redis.xpending(stream.key, "billing")).count).toBe(0)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )

  it.effect("without a retry option a failing event comes back after about a second, not 50 ms", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("retry-default")
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      const attempts = yield* Queue.unbounded<number>()
      yield* Effect.forkScoped(
        sink.process(() =>
          Effect.andThen(
            Effect.flatMap(Clock.currentTimeMillis, (time) => Queue.offer(attempts, time)),
            Effect.fail("no")
          )
        )
      )
      yield* stream.add("created", "")
      const first = yield* Queue.take(attempts)
      // The default schedule is 1 s jittered (0.8 to 1.2 s), + 50 ms for the claim.
      yield* TestClock.adjust("849 millis")
      expect(yield* Queue.size(attempts)).toBe(0)
      yield* TestClock.adjust("401 millis")
      const second = yield* Queue.take(attempts)
      expect(second - first).toBeGreaterThanOrEqual(850)
      expect(second - first).toBeLessThanOrEqual(1250)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )
})

const eventuallyLetters = (streamName: string) =>
  Effect.gen(function* () {
    for (let step = 0; step < 100; step++) {
      const letters = yield* DeadLetter.list(streamName)
      if (letters.length > 0) return letters
      yield* TestClock.adjust("10 millis")
    }
    return yield* DeadLetter.list(streamName)
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

describeOnBothLayers("Sink retry schedules", (it, layerName) => {
  it.effect("a bad delay or retry option fails with InvalidOption and sends nothing", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("retry-bad"))
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest })
      yield* stream.add("created", "")
      const event = yield* takeOne(sink.events)
      const counting = yield* countingRedis
      const nacked = yield* sink.nack(event, { delay: -1 }).pipe(Effect.flip, Effect.provide(counting.layer))
      expect(nacked).toBeInstanceOf(Errors.InvalidOption)
      const processed = yield* sink
        .process(() => Effect.void, { retry: "1 second" as unknown as Schedule.Schedule<unknown> })
        .pipe(Effect.flip)
      expect(processed).toBeInstanceOf(Errors.InvalidOption)
      expect(counting.calls).toEqual([])
    })
  )

  it.effect("nacked events come back after their delays, never before (real time)", () =>
    Effect.gen(function* () {
      const name = uniqueName("retry-timing")
      const stream = yield* EventStream.make(name)
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest, ackGracePeriod: "3 seconds" })
      const count = 30
      yield* stream.addAll(Array.from({ length: count }, (_, index) => ({ name: "created", payload: `${index}` })))
      const requested = new Map<string, { readonly delay: number; readonly at: number }>()
      const lateness: Array<number> = []
      const done = yield* Queue.unbounded<void>()
      yield* Effect.forkScoped(
        sink.events.pipe(
          Stream.runForEach((event) =>
            Effect.gen(function* () {
              const time = yield* Clock.currentTimeMillis
              const asked = requested.get(event.id)
              if (asked === undefined) {
                const delay = 200 + 20 * Number(Event.text(event))
                requested.set(event.id, { delay, at: time })
                return yield* sink.nack(event, { delay })
              }
              lateness.push(time - asked.at - asked.delay)
              yield* sink.ack(event)
              if (lateness.length === count) yield* Queue.offer(done, undefined)
            })
          )
        )
      )
      yield* Queue.take(done)
      const sorted = [...lateness].sort((a, b) => a - b)
      // Never before its delay.
      expect(sorted[0]).toBeGreaterThanOrEqual(0)
      console.log(
        `[${layerName}] nack delays 200-780 ms, ${count} events: actual - requested p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted[sorted.length - 1]} ms`
      )
      // Well under the grace period: the events came back for their delay, not because the grace period ran out.
      expect(sorted[sorted.length - 1]).toBeLessThan(2000)
      const redis = yield* RedisClient.RedisClient
      yield* eventually(redis.xpending(stream.key, sink.name), (summary) => summary.count === 0)
    })
  )

  it.effect("process retries a failing handler with the schedule until it succeeds (real time)", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("retry-live"))
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest, ackGracePeriod: "5 seconds" })
      const attempts: Array<number> = []
      const succeeded = yield* Queue.unbounded<void>()
      const handler = () =>
        Effect.flatMap(Clock.currentTimeMillis, (time) => {
          attempts.push(time)
          return attempts.length < 3 ? Effect.fail("not yet") : Queue.offer(succeeded, undefined)
        })
      yield* Effect.forkScoped(sink.process(handler, { retry: Schedule.exponential("100 millis") }))
      yield* stream.add("created", "")
      yield* Queue.take(succeeded)
      const gaps = attempts.slice(1).map((time, index) => time - attempts[index]!)
      expect(gaps[0]).toBeGreaterThanOrEqual(100)
      expect(gaps[1]).toBeGreaterThanOrEqual(200)
      const redis = yield* RedisClient.RedisClient
      yield* eventually(redis.xpending(stream.key, sink.name), (summary) => summary.count === 0)
    })
  )
})
