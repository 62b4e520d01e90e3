/**
 * Interop with the real Go Pulse v1.6.5 (the `gopulse` driver), each
 * scenario on its own redis-server, each asserting that nothing produced is
 * lost and printing produced / handled / lost / duplicated.
 *
 * The shared-sink scenarios rely on effect-pulse's sinks keeping Go Pulse's
 * bookkeeping (keep-alive map, lease, sinks map): without it Go deletes the
 * effect-pulse consumers and what they hold.
 */
import { expect } from "@effect/vitest"
import { EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import { DateTime, Effect, Fiber, Stream } from "effect"
import * as Registry from "../../src/internal/sinkRegistry.js"
import { eventually } from "../utils/redisLayers.js"
import {
  commandCalls,
  describeWithGoPulse,
  exitOf,
  goEvents,
  goIds,
  goSinkReady,
  jobs,
  scenario,
  startGo,
  startWorker,
  tally,
  untilAllHandled,
  workerIds
} from "./goPulse.js"

const graceMillis = 1000
const grace = `${graceMillis}ms`

/** The payload the driver's producer gives its i-th event. */
const goPayload = (i: number) => Uint8Array.from([...new TextEncoder().encode(`go-${i}:`), 0x00, 0xff, 0xfe, 0x0a])

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

const millisOfId = (id: string) => Number(id.split("-")[0])

/** Consumes a sink in this process, acking each event unless `ack` is false; the IDs it got. */
const consume = (sink: Sink.Sink, ack: boolean) =>
  Effect.gen(function* () {
    const handled: Array<string> = []
    const fiber = yield* sink.events.pipe(
      Stream.runForEach((event) =>
        Effect.andThen(
          ack ? sink.ack(event) : Effect.void,
          Effect.sync(() => handled.push(event.id))
        )
      ),
      Effect.forkScoped
    )
    return { handled, fiber }
  })

const pendingCount = (key: string, group: string) =>
  RedisClient.RedisClient.use((redis) => Effect.map(redis.xpending(key, group), (summary) => summary.count))

const scenarios = [
  scenario("Go producer -> effect-pulse reader and sink: names, topics, binary payloads and times", (driver) =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("go-to-ts")
      const producer = yield* startGo(driver, ["produce", stream.name, "20", "eu"])
      expect(yield* exitOf(producer)).toBe(0)

      const reader = yield* stream.reader({ start: StartAt.oldest })
      const read = Array.from(yield* reader.events.pipe(Stream.take(20), Stream.runCollect))
      read.forEach((event, i) => {
        expect(event.eventName).toBe("go-event")
        expect(event.topic).toBe("eu")
        expect(hex(event.payload)).toBe(hex(goPayload(i)))
        expect(DateTime.toEpochMillis(event.createdAt)).toBe(millisOfId(event.id))
      })

      const sink = yield* stream.sink("ts-sink", { start: StartAt.oldest, ackGracePeriod: graceMillis })
      const got = Array.from(
        yield* sink.events.pipe(
          Stream.take(20),
          Stream.mapEffect((event) => Effect.as(sink.ack(event), event.id)),
          Stream.runCollect
        )
      )
      const result = tally(
        "go producer -> ts sink",
        read.map((event) => event.id),
        { ts: got }
      )
      expect(result.lost).toBe(0)
      expect(yield* pendingCount(stream.key, "ts-sink")).toBe(0)
    })
  ),

  scenario("effect-pulse producer -> Go reader and sink", (driver) =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("ts-to-go")
      const payloads = Array.from({ length: 20 }, (_, i) => Uint8Array.of(0, 255, i, 10, 0xfe))
      const ids = yield* stream.addAll(payloads.map((payload, i) => ({ name: `ts-event-${i}`, payload, topic: "eu" })))

      const reader = yield* startGo(driver, ["read", stream.name, "20", "20s"])
      expect(yield* exitOf(reader)).toBe(0)
      goEvents(reader).forEach((event, i) => {
        expect(event.id).toBe(ids[i])
        expect(event.name).toBe(`ts-event-${i}`)
        expect(event.topic).toBe("eu")
        expect(event.payloadHex).toBe(hex(payloads[i]!))
        expect(Date.parse(event.created)).toBe(millisOfId(event.id))
      })

      const sink = yield* startGo(driver, ["sink", stream.name, "go-sink", "30s", grace, "20"])
      expect(yield* exitOf(sink, "40 seconds")).toBe(0)
      const result = tally("ts producer -> go sink", ids, { go: goIds(sink) })
      expect(result.lost).toBe(0)
      expect(yield* pendingCount(stream.key, "go-sink")).toBe(0)
    })
  ),

  scenario(
    "one sink, a Go and an effect-pulse consumer, both acking: all handled, no live consumer deleted",
    (driver) =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make("shared")
        const sink = yield* stream.sink("shared", { start: StartAt.oldest, ackGracePeriod: graceMillis })
        const ts = yield* consume(sink, true)
        const go = yield* startGo(driver, ["sink", stream.name, "shared", "8s", grace])
        yield* goSinkReady(go)
        const produced: Array<string> = []
        for (let batch = 0; batch < 10; batch++) {
          produced.push(...(yield* stream.addAll(jobs(20, `${batch}-`))))
          yield* untilAllHandled(produced, () => [...ts.handled, ...goIds(go)], "20 seconds")
        }
        // Both alive all along: neither library may have deleted the other's consumer.
        const deletions = yield* commandCalls("xgroup|delconsumer")
        expect(yield* exitOf(go)).toBe(0)
        const result = tally("shared sink, both ack", produced, {
          ts: ts.handled,
          go: goIds(go)
        })
        expect(result.lost).toBe(0)
        expect(yield* pendingCount(stream.key, "shared")).toBe(0)
        expect(deletions).toBe(0)
      })
  ),

  scenario("an effect-pulse consumer killed holding 6 events: the Go consumer takes them over", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("ts-crash")
      yield* redis.xgroupCreate(stream.key, "crash", "$", { mkStream: true })
      const worker = yield* startWorker({ stream: stream.name, sink: "crash", graceMillis, hold: true })
      const produced = yield* stream.addAll(jobs(6))
      yield* eventually(
        Effect.sync(() => workerIds(worker, "held").length),
        (n) => n >= 6,
        "20 seconds"
      )
      worker.process.kill("SIGKILL")
      yield* exitOf(worker)

      const go = yield* startGo(driver, ["sink", stream.name, "crash", "10s", grace, "6"])
      yield* exitOf(go, "30 seconds")
      const result = tally("ts consumer killed, go takes over", produced, {
        go: goIds(go)
      })
      expect(result.lost).toBe(0)
      expect(yield* pendingCount(stream.key, "crash")).toBe(0)
    })
  ),

  scenario("a Go consumer crashing (EXIT_HARD) holding events: the effect-pulse consumer takes them over", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("go-crash")
      yield* redis.xgroupCreate(stream.key, "crash", "$", { mkStream: true })
      const go = yield* startGo(driver, ["sink", stream.name, "crash", "20s", grace, "3"], { EXIT_HARD: "1" })
      yield* goSinkReady(go)
      const produced = yield* stream.addAll(jobs(10))
      yield* exitOf(go)
      const held = (yield* redis.xpending(stream.key, "crash")).count
      const sink = yield* stream.sink("crash", { ackGracePeriod: graceMillis })
      const ts = yield* consume(sink, true)
      const goHandled = goIds(go)
      yield* untilAllHandled(produced, () => [...ts.handled, ...goHandled], "30 seconds")
      const result = tally(`go consumer crashed holding ${held}, ts takes over`, produced, {
        go: goHandled,
        ts: ts.handled
      })
      expect(result.lost).toBe(0)
      yield* eventually(pendingCount(stream.key, "crash"), (n) => n === 0)
    })
  ),

  scenario("a Go consumer that never acks (NOACK) beside an effect-pulse consumer that does", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("go-noack")
      yield* redis.xgroupCreate(stream.key, "mixed", "$", { mkStream: true })
      const go = yield* startGo(driver, ["sink", stream.name, "mixed", "5s", grace], { NOACK: "1" })
      yield* goSinkReady(go)
      const produced = yield* stream.addAll(jobs(5))
      yield* eventually(
        Effect.sync(() => goEvents(go).length),
        (n) => n >= 5,
        "20 seconds"
      )
      const sink = yield* stream.sink("mixed", { ackGracePeriod: graceMillis })
      const ts = yield* consume(sink, true)
      yield* untilAllHandled(produced, () => ts.handled, "40 seconds")
      // Only effect-pulse acks: what it handled is what is done.
      const result = tally("go never acks, ts acks", produced, { ts: ts.handled })
      expect(result.lost).toBe(0)
      yield* eventually(pendingCount(stream.key, "mixed"), (n) => n === 0)
    })
  ),

  scenario("an effect-pulse consumer that never acks beside a Go consumer that does", (driver) =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("ts-noack")
      const sink = yield* stream.sink("mixed", { start: StartAt.oldest, ackGracePeriod: graceMillis })
      const ts = yield* consume(sink, false)
      const produced = yield* stream.addAll(jobs(3))
      yield* eventually(
        Effect.sync(() => ts.handled.length),
        (n) => n >= 3,
        "20 seconds"
      )
      // Each grace period the idle events go to whichever claim check runs first, Go's or the effect-pulse
      // lease holder's (which hands them to its own consumer again): Go gets time for many rounds, and exits
      // as soon as it has handled the three.
      const go = yield* startGo(driver, ["sink", stream.name, "mixed", "40s", grace, "3"])
      yield* exitOf(go, "50 seconds")
      // Only Go acks: what it handled is what is done.
      const result = tally("ts never acks, go acks", produced, { go: goIds(go) })
      expect(result.lost).toBe(0)
      yield* Fiber.interrupt(ts.fiber)
    })
  ),

  scenario("Go removing the stream from its sink while effect-pulse still reads it", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("removal")
      const sink = yield* stream.sink("removal", { start: StartAt.oldest, ackGracePeriod: graceMillis })
      const ts = yield* consume(sink, true)
      const go = yield* startGo(driver, ["sink", stream.name, "removal", "1500ms", grace])
      yield* goSinkReady(go)
      const before = yield* stream.addAll(jobs(5, "a"))
      expect(yield* exitOf(go)).toBe(0)
      const goHandled = goIds(go)

      // The driver has no remove-stream command: these are the steps of Go's
      // Sink.RemoveStream (sink.go, removeStreamConsumer) for the Go consumer,
      // which Go takes from the stream's sinks map: unlist it, and destroy the
      // group when no consumer is left listed.
      const listed = (yield* Registry.sinks(redis, stream.name)).get("removal") ?? []
      const goConsumers = listed.filter((consumer) => consumer !== sink.consumer)
      expect(goConsumers.length).toBeGreaterThan(0)
      let remaining: ReadonlyArray<string> = listed
      for (const consumer of goConsumers)
        remaining = yield* Registry.unregister(redis, stream.name, "removal", consumer)
      const destroyed = remaining.length === 0 && (yield* redis.xgroupDestroy(stream.key, "removal"))

      const after = yield* stream.addAll(jobs(5, "b"))
      const produced = [...before, ...after]
      yield* untilAllHandled(produced, () => [...ts.handled, ...goHandled], "30 seconds")
      const result = tally("go removes the stream, ts reads on", produced, { ts: ts.handled, go: goHandled })
      expect(result.lost).toBe(0)
      // effect-pulse's consumer is listed, so Go's removal leaves the group in place.
      expect(destroyed).toBe(false)
    })
  )
]

describeWithGoPulse("Go Pulse interop", (driver) => {
  for (const register of scenarios) register(driver)
})
