import { expect, layer } from "@effect/vitest"
import { type Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Fiber, Schedule, Stream } from "effect"
import { addAllRetrying } from "./faults/run.js"
import { eventually, uniqueName } from "./utils/redisLayers.js"

// Faults on a redis-server the harness owns: connections killed, the server
// paused. Readers and sinks retry with backoff and resume from their cursor.

const batch = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, n) => ({ name: `${prefix}${n}`, payload: String(n) }))

const ids = (events: ReadonlyArray<Event.Event>) => events.map((event) => event.id)

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true, timeout: "60 seconds" })(
  "Faults [Redis]",
  (it) => {
    it.effect("a reader resumes from its cursor after its connections are killed: nothing skipped or repeated", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const stream = yield* EventStream.make(uniqueName("fault-reader"))
        const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration: "200 millis", maxPolled: 10 })
        const before = yield* addAllRetrying(stream, batch("before", 100))
        const firstHalf = yield* reader.events.pipe(Stream.take(50), Stream.runCollect)
        expect(yield* server.killClients).toBeGreaterThan(0)
        const after = yield* addAllRetrying(stream, batch("after", 100))
        const rest = yield* reader.events.pipe(Stream.take(150), Stream.runCollect)
        expect([...ids(firstHalf), ...ids(rest)]).toEqual([...before, ...after])
      })
    )

    it.effect("a reader whose blocked read Redis cuts short (CLIENT UNBLOCK ... ERROR) goes on reading", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const stream = yield* EventStream.make(uniqueName("fault-unblock"))
        const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration: 0 })
        const first = yield* addAllRetrying(stream, batch("a", 3))
        const waiting = yield* Effect.forkScoped(reader.events.pipe(Stream.take(6), Stream.runCollect))
        // The reader blocks (forever) once it has the first three: unblock it until that happened.
        yield* Effect.repeat(server.unblockClients, {
          until: (count) => count > 0,
          schedule: Schedule.spaced("10 millis")
        })
        const second = yield* addAllRetrying(stream, batch("b", 3))
        expect(ids(yield* Fiber.join(waiting))).toEqual([...first, ...second])
      })
    )

    it.effect("a reader blocked on a paused server goes on once it resumes", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const stream = yield* EventStream.make(uniqueName("fault-pause"))
        const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration: "100 millis" })
        const first = yield* addAllRetrying(stream, batch("a", 3))
        const waiting = yield* Effect.forkScoped(reader.events.pipe(Stream.take(6), Stream.runCollect))
        yield* server.pause
        yield* server.resume
        const second = yield* addAllRetrying(stream, batch("b", 3))
        expect(ids(yield* Fiber.join(waiting))).toEqual([...first, ...second])
      })
    )

    it.effect("a sink keeps delivering after its connections are killed, and every event gets acked", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("fault-sink"))
        const sink = yield* stream.sink("survivor", {
          start: StartAt.oldest,
          blockDuration: "200 millis",
          ackGracePeriod: "500 millis"
        })
        const handled = new Set<string>()
        yield* Effect.forkScoped(sink.process((event) => Effect.sync(() => handled.add(event.id)), { concurrency: 4 }))
        const before = yield* addAllRetrying(stream, batch("before", 200))
        yield* eventually(
          Effect.sync(() => handled.size),
          (size) => size >= 50
        )
        yield* server.killClients
        const after = yield* addAllRetrying(stream, batch("after", 200))
        yield* eventually(
          Effect.zip(
            Effect.sync(() => handled.size),
            redis.xpending(stream.key, "survivor").pipe(Effect.orElseSucceed(() => undefined))
          ),
          ([size, pending]) => size === 400 && pending?.count === 0
        )
        expect([...before, ...after].every((id) => handled.has(id))).toBe(true)
      })
    )
  }
)
