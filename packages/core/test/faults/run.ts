/**
 * One fault scenario on a real redis-server: producers add events, three
 * consumers of one sink handle them with `process`, a reader reads them, and
 * a fault strikes once a quarter of the events are in. The run then waits
 * until the sink and the reader have every event Redis still holds, or
 * until a deadline, and measures what happened.
 */
import { type Event, EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import type { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Fiber, Schedule, Stream } from "effect"
import { uniqueName } from "../utils/redisLayers.js"
import type { Figures } from "./figures.js"

/** Where the fault strikes: the stream's key and the sink's name. */
export interface Target {
  readonly key: string
  readonly sink: string
}

export interface Scenario<R = RedisTestServer.RedisTestServer | RedisClient.RedisClient> {
  readonly name: string
  /** Applies the fault and returns once it is over (the server answers again, the key is deleted, ...). */
  readonly fault: (target: Target) => Effect.Effect<void, unknown, R>
  /** Whether the fault is done to the server process (else with commands, which InMemoryRedis takes too). */
  readonly needsServer: boolean
  /**
   * Whether producers keep adding while the fault strikes, or stop before it
   * and stay idle for 1.5 s after it (recovery then counts from when they
   * resume).
   */
  readonly producersBusy: boolean
  readonly sinkStart: "oldest" | "newest"
  /** Whether Redis itself drops events in this fault (a restart without persistence, `DEL`). */
  readonly redisDropsEvents: boolean
}

export interface Sizes {
  readonly events: number
  /** How long the sink and the reader get to catch up after the last add. */
  readonly settleMillis: number
}

const producers = 2
const consumers = 3
const batchSize = 20
const idleMillis = 1500

/** Adds, retrying while the connection is down: the caller's decision, as the library documents. */
export const addAllRetrying = (stream: EventStream.EventStream, events: ReadonlyArray<EventStream.NewEvent>) =>
  stream.addAll(events).pipe(
    Effect.retry({
      schedule: Schedule.spaced("20 millis"),
      while: (error) => error._tag === "RedisConnectionError"
    })
  )

/** Every entry ID of `key`, page by page (retrying while the connection is down). */
const entryIds = (redis: RedisClient.Service, key: string) =>
  Effect.gen(function* () {
    const ids: Array<string> = []
    let start = "-"
    for (;;) {
      const page = yield* redis.xrange(key, start, "+", 5000)
      ids.push(...page.map((entry) => entry.id))
      if (page.length < 5000) return ids
      start = `(${page[page.length - 1]!.id}`
    }
  }).pipe(
    Effect.retry({
      schedule: Schedule.spaced("20 millis"),
      times: 500,
      while: (e) => e._tag === "RedisConnectionError"
    })
  )

const missing = (expected: ReadonlyArray<string>, seen: ReadonlySet<string>) =>
  expected.filter((id) => !seen.has(id)).length

export const runScenario = <R>(scenario: Scenario<R>, sizes: Sizes) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    const stream = yield* EventStream.make(uniqueName("faults"), { maxLen: sizes.events * 4 })
    const sinkName = uniqueName("faults-sink")
    const producedAt = new Map<string, number>()
    const handled: Array<{ readonly id: string; readonly at: number }> = []
    const read: Array<{ readonly id: string; readonly at: number }> = []
    const failures: Array<string> = []

    const sinkOptions: Sink.Options = {
      start: scenario.sinkStart === "oldest" ? StartAt.oldest : StartAt.newest,
      ackGracePeriod: "1 second",
      blockDuration: "500 millis"
    }
    const sinks = yield* Effect.forEach(Array.from({ length: consumers }), () => stream.sink(sinkName, sinkOptions))
    for (const sink of sinks) {
      yield* Effect.forkScoped(
        sink
          .process((event: Event.Event) => Effect.sync(() => handled.push({ id: event.id, at: Date.now() })), {
            concurrency: 4
          })
          .pipe(Effect.catch((error) => Effect.sync(() => failures.push(`sink: ${error._tag}`))))
      )
    }
    const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration: "500 millis" })
    yield* Effect.forkScoped(
      reader.events.pipe(
        Stream.runForEach((event) => Effect.sync(() => read.push({ id: event.id, at: Date.now() }))),
        Effect.catch((error) => Effect.sync(() => failures.push(`reader: ${error._tag}`)))
      )
    )

    // Each producer adds its share in small batches, paced so that a fault
    // lands in the middle of the traffic rather than after it.
    const share = Math.ceil(sizes.events / producers)
    const produce = (producer: number, from: number, to: number) =>
      Effect.gen(function* () {
        for (let n = from; n < to; n += batchSize) {
          const batch = Array.from({ length: Math.min(batchSize, to - n) }, (_, i) => ({
            name: "fault-test",
            payload: `${producer}:${n + i}`
          }))
          const ids = yield* addAllRetrying(stream, batch)
          const now = Date.now()
          for (const id of ids) producedAt.set(id, now)
          yield* Effect.sleep("5 millis")
        }
      })
    const produceAll = (from: number, to: number) =>
      Effect.forEach(
        Array.from({ length: producers }, (_, producer) => producer),
        (producer) => produce(producer, from, to),
        { concurrency: "unbounded", discard: true }
      )

    const target: Target = { key: stream.key, sink: sinkName }
    const quarter = Math.floor(share / 4)
    let faultEndedAt = 0
    const strike = Effect.andThen(
      scenario.fault(target),
      Effect.sync(() => {
        faultEndedAt = Date.now()
      })
    )
    if (scenario.producersBusy) {
      const production = yield* Effect.forkScoped(produceAll(0, share))
      yield* Effect.repeat(
        Effect.sync(() => producedAt.size),
        { until: (count) => count >= quarter * producers, schedule: Schedule.spaced("2 millis") }
      )
      yield* strike
      yield* Fiber.join(production)
    } else {
      yield* produceAll(0, quarter)
      yield* scenario.fault(target)
      // Idle long enough for every consumer to poll the server after the
      // fault (their blocking reads last 500 ms) before any new event comes.
      yield* Effect.sleep(idleMillis)
      faultEndedAt = Date.now()
      yield* produceAll(quarter, share)
    }

    // Settled once the sink and the reader have every entry Redis holds (or
    // every sink consumer has ended: nothing more will come).
    const held = yield* entryIds(redis, stream.key)
    const deadline = Date.now() + sizes.settleMillis
    const settled = () => {
      const handledIds = new Set(handled.map((entry) => entry.id))
      const readIds = new Set(read.map((entry) => entry.id))
      return (
        (missing(held, handledIds) === 0 && missing(held, readIds) === 0) ||
        failures.filter((failure) => failure.startsWith("sink")).length === consumers ||
        Date.now() > deadline
      )
    }
    yield* Effect.repeat(Effect.sync(settled), { until: (done) => done, schedule: Schedule.spaced("50 millis") })
    const handledIds = new Set(handled.map((entry) => entry.id))
    const readIds = new Set(read.map((entry) => entry.id))
    const recovery = (seen: ReadonlyArray<{ readonly id: string; readonly at: number }>) => {
      let first = Number.POSITIVE_INFINITY
      for (const { id, at } of seen) {
        if ((producedAt.get(id) ?? 0) >= faultEndedAt) first = Math.min(first, at)
      }
      return first - faultEndedAt
    }
    const heldSet = new Set(held)
    const figures: Figures = {
      scenario: scenario.name,
      events: sizes.events,
      produced: producedAt.size,
      held: held.length,
      droppedByRedis: [...producedAt.keys()].filter((id) => !heldSet.has(id)).length,
      handled: handledIds.size,
      sinkLost: missing(held, handledIds),
      sinkDuplicated: handled.length - handledIds.size,
      readerLost: missing(held, readIds),
      readerDuplicated: read.length - readIds.size,
      recoveryMillis: Math.max(recovery(handled), recovery(read)),
      failures: [...new Set(failures)]
    }
    return figures
  }).pipe(Effect.scoped)
