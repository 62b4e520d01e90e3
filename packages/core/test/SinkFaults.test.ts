import { expect, layer } from "@effect/vitest"
import { type Event, EventStream, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Clock, Effect, Exit, Logger, Metric, Queue, Schedule, Stream } from "effect"
import { counterValue as counter } from "./utils/metrics.js"
import { countingRedis, describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Faults a sink rides out (a key or group vanishing from outside) and the
// one it ends with (`stream.destroy` in this process), on both layers.

const names = (events: ReadonlyArray<Event.Event>) => events.map((event) => event.eventName)
const take = (sink: Sink.Sink, n: number) => Effect.map(sink.events.pipe(Stream.take(n), Stream.runCollect), names)

/** The log lines of the program, for checking what a user sees (and does not see). */
const captureLogs = () => {
  const lines: Array<{ readonly level: string; readonly text: string }> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push({ level: logLevel, text: (Array.isArray(message) ? message : [message]).map(String).join(" ") })
  })
  return { lines, layer: Logger.layer([logger]) }
}

/** Completes after the sink's consumer has beaten `beats` more times: time for its background work to run. */
const afterHeartbeats = (sinkName: string, consumer: () => string, beats: number) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    const { keepAlive } = Sink.keys(sinkName)
    const beatAt = Effect.map(redis.hgetall(keepAlive), (all) => Number(all[consumer()] ?? 0))
    for (let n = 0; n < beats; n++) {
      const last = yield* beatAt
      yield* eventually(beatAt, (at) => at > last)
    }
  })

const grace = "400 millis"

const readOnly = new Set([
  "exists",
  "xrange",
  "xinfoGroups",
  "xinfoConsumers",
  "xpending",
  "xpendingRange",
  "hgetall",
  "get",
  "blockingConnection"
])

describeOnBothLayers("Sink faults", (it) => {
  it.effect(
    "a group destroyed from outside is recreated after what this consumer was delivered: only what it held unacked comes again",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("group-destroyed"))
        const sinkName = uniqueName("newest")
        // Started at `newest`: recreating the group at `$` would skip `c`.
        const sink = yield* stream.sink(sinkName)
        yield* stream.addAll([
          { name: "a", payload: "" },
          { name: "b", payload: "" }
        ])
        const [a, b] = yield* sink.events.pipe(Stream.take(2), Stream.runCollect)
        yield* sink.ack(a!)
        expect(b!.eventName).toBe("b")
        expect(yield* redis.xgroupDestroy(stream.key, sinkName)).toBe(true)
        yield* stream.add("c", "")
        // `b` was in flight (its pending entry went with the group): delivered again; `a` was acked: not.
        expect(yield* take(sink, 2)).toEqual(["b", "c"])
        expect(yield* counter("pulse_sink_groups_recreated", { sink: sinkName, reason: "group_destroyed" })).toBe(1)
        expect(logs.lines).toContainEqual(
          expect.objectContaining({ level: "Warn", text: expect.stringContaining("destroyed; recreated") })
        )

        // Started at `oldest` and everything acked: recreating at `0` would deliver all of it again.
        const oldest = yield* stream.sink(uniqueName("oldest"), { start: StartAt.oldest })
        const all = yield* oldest.events.pipe(Stream.take(3), Stream.runCollect)
        yield* oldest.ackAll(all)
        yield* redis.xgroupDestroy(stream.key, oldest.name)
        yield* stream.add("d", "")
        expect(yield* take(oldest, 1)).toEqual(["d"])
      }).pipe(Effect.provide(logs.layer), Effect.provideService(Metric.MetricRegistry, new Map()))
    }
  )

  it.effect(
    "a stream key deleted from outside is waited for without re-creating it, then read from its first entry",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("key-deleted"))
        const sinkName = uniqueName("waits")
        const sink = yield* stream.sink(sinkName, { start: StartAt.oldest, ackGracePeriod: grace })
        const received = yield* Queue.unbounded<string>()
        yield* Effect.forkScoped(sink.process((event) => Queue.offer(received, event.eventName)))
        yield* stream.add("a", "")
        expect(yield* Queue.take(received)).toBe("a")
        yield* redis.del([stream.key])
        yield* eventually(
          Effect.sync(() => logs.lines),
          (lines) => lines.some((line) => line.text.includes("vanished"))
        )
        // Heartbeats, claim checks and the poller all ran while the key was gone: none re-created it or logged an error.
        yield* afterHeartbeats(sinkName, () => sink.consumer, 3)
        expect(yield* redis.exists([stream.key])).toBe(0)
        expect(logs.lines.filter((line) => line.level === "Error")).toEqual([])

        // A producer re-creates the key: every entry of it is new.
        yield* stream.addAll([
          { name: "x", payload: "" },
          { name: "y", payload: "" }
        ])
        expect([yield* Queue.take(received), yield* Queue.take(received)]).toEqual(["x", "y"])
        expect(yield* counter("pulse_sink_groups_recreated", { sink: sinkName, reason: "stream_vanished" })).toBe(1)
        expect(logs.lines).toContainEqual(
          expect.objectContaining({ level: "Warn", text: expect.stringContaining("exists again") })
        )
        yield* eventually(
          Effect.map(redis.xpending(stream.key, sinkName), (pending) => pending.count),
          (count) => count === 0
        )
      }).pipe(Effect.provide(logs.layer), Effect.provideService(Metric.MetricRegistry, new Map()))
    }
  )

  it.effect(
    "a stream key that expires under a sink is waited for; the next add starts a new key the sink reads",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("expires"), { ttl: "1 second" })
        const sink = yield* stream.sink(uniqueName("outlives"), { start: StartAt.oldest, ackGracePeriod: grace })
        const received = yield* Queue.unbounded<string>()
        yield* Effect.forkScoped(sink.process((event) => Queue.offer(received, event.eventName)))
        yield* stream.add("a", "")
        expect(yield* Queue.take(received)).toBe("a")
        yield* eventually(
          Effect.sync(() => logs.lines),
          (lines) => lines.some((line) => line.text.includes("vanished"))
        )
        // Added through a stream without a TTL: the new key must not expire before the sink reads it on a loaded machine.
        yield* (yield* EventStream.make(stream.name)).add("b", "")
        expect(yield* Queue.take(received)).toBe("b")
        expect(logs.lines.filter((line) => line.level === "Error")).toEqual([])
      }).pipe(Effect.provide(logs.layer))
    }
  )

  it.effect(
    "a key deleted and created again before the sink looks is read from its first entry, though its IDs repeat the old ones",
    () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("replaced"))
        const sink = yield* stream.sink(uniqueName("rereads"), { start: StartAt.oldest, bufferSize: 3 })
        const events = yield* sink.subscribe
        // A subscription drained only later: while it holds two events (more than half its buffer),
        // polling pauses, so the sink does not look at Redis while the key is replaced.
        const paused = yield* sink.subscribe
        const addAt = (id: string, name: string) =>
          redis.xadd(
            stream.key,
            [
              ["n", name],
              ["p", ""]
            ],
            { id }
          )
        yield* addAt("100-1", "a")
        yield* addAt("100-2", "b")
        const old = yield* events.pipe(Stream.take(2), Stream.runCollect)
        yield* sink.ackAll(old)
        yield* redis.del([stream.key])
        yield* addAt("100-1", "x")
        yield* addAt("100-2", "y")
        yield* addAt("100-3", "z")
        yield* paused.pipe(Stream.take(2), Stream.runDrain)
        // Recreating the group after 100-2 (the last ID delivered) would deliver only `z`.
        expect(names(yield* events.pipe(Stream.take(3), Stream.runCollect))).toEqual(["x", "y", "z"])
      })
  )

  it.effect("a sink declared stale while its stream is gone rejoins without re-creating the stream", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(uniqueName("stale-gone"))
      const sinkName = uniqueName("rejoin")
      const sink = yield* stream.sink(sinkName, { start: StartAt.oldest, ackGracePeriod: grace })
      yield* Effect.forkScoped(Stream.runDrain(sink.events))
      const before = sink.consumer
      yield* redis.del([stream.key])
      yield* redis.hdel(Sink.keys(sinkName).keepAlive, [before])
      yield* eventually(
        Effect.sync(() => sink.consumer),
        (consumer) => consumer !== before
      )
      yield* afterHeartbeats(sinkName, () => sink.consumer, 2)
      expect(yield* redis.exists([stream.key])).toBe(0)
    })
  )

  it.effect(
    "stream.destroy ends the sinks opened on it with StreamDestroyed; then nothing of them writes to Redis",
    () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const { calls, layer } = yield* countingRedis
        const name = uniqueName("destroyed")
        const counted = yield* EventStream.make(name).pipe(Effect.provide(layer))
        const sink = yield* counted.sink(uniqueName("ends"), { start: StartAt.oldest, ackGracePeriod: grace })
        yield* counted.add("a", "")
        expect(yield* take(sink, 1)).toEqual(["a"])
        // Another EventStream of the same name: its sinks are not the destroyed one's.
        const other = yield* EventStream.make(name)
        const bystander = yield* other.sink(uniqueName("bystander"), { start: StartAt.oldest, ackGracePeriod: grace })
        yield* counted.destroy
        const exit = yield* Effect.exit(Stream.runDrain(sink.events))
        expect(
          Exit.isFailure(exit) && exit.cause.reasons.map((reason) => reason._tag === "Fail" && reason.error._tag)
        ).toEqual(["StreamDestroyed"])
        calls.length = 0
        // The bystander rides the deletion out; its beats are the clock for the ended sink's silence.
        yield* afterHeartbeats(bystander.name, () => bystander.consumer, 3)
        // A read already in flight when the streams ended may still land; nothing may write.
        expect(calls.filter((call) => !readOnly.has(call))).toEqual([])
        expect(yield* redis.exists([counted.key])).toBe(0)
        yield* other.add("b", "")
        expect(yield* take(bystander, 1)).toEqual(["b"])
      })
  )

  it.effect(
    "a closing sink gives its lease up at once: a same-named sink on another stream redelivers after its own grace period",
    () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const sinkName = uniqueName("leased")
        const { lease } = Sink.keys(sinkName)
        const first = yield* EventStream.make(uniqueName("lease-a"))
        // Default grace: it takes the lease every 5 s, for 495 ms (as long as Go does).
        yield* Effect.scoped(
          Effect.gen(function* () {
            const holder = yield* first.sink(sinkName)
            yield* Effect.forkScoped(Stream.runDrain(holder.events))
            yield* eventually(redis.get(lease), (value) => value !== null)
          })
        )
        // Released at close, not left to lapse.
        expect(yield* redis.get(lease)).toBeNull()

        const second = yield* EventStream.make(uniqueName("lease-b"))
        const sink = yield* second.sink(sinkName, { ackGracePeriod: "300 millis", maxDeliveries: 2 })
        // Measured from before the add, not from when the first delivery was taken: a loaded machine may
        // take that late, while the redelivery is due at the delivery (after the add) plus the grace period.
        const addedAt = yield* Clock.currentTimeMillis
        yield* second.add("e", "")
        const times = yield* Stream.runCollect(
          Stream.take(
            Stream.mapEffect(sink.events, () => Clock.currentTimeMillis),
            2
          )
        )
        const delay = times[1]! - addedAt
        console.log(`second delivery ${delay} ms after the add (grace period 300 ms)`)
        // The bound leaves room for a loaded machine.
        expect(delay).toBeGreaterThanOrEqual(300)
        expect(delay).toBeLessThan(2500)
      })
  )

  it.effect("a same-named sink on another stream claims its own overdue events while the lease is held elsewhere", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const sinkName = uniqueName("shared-lease")
      const first = yield* EventStream.make(uniqueName("held-a"))
      const holder = yield* first.sink(sinkName)
      yield* Effect.forkScoped(Stream.runDrain(holder.events))
      yield* eventually(redis.get(Sink.keys(sinkName).lease), (value) => value !== null)

      const second = yield* EventStream.make(uniqueName("held-b"))
      const sink = yield* second.sink(sinkName, { ackGracePeriod: "300 millis" })
      // Measured from before the add, not from when the first delivery was taken: a loaded machine may
      // take that late, while the redelivery is due at the delivery (after the add) plus the grace period.
      const addedAt = yield* Clock.currentTimeMillis
      yield* second.add("e", "")
      const times = yield* Stream.runCollect(
        Stream.take(
          Stream.mapEffect(sink.events, () => Clock.currentTimeMillis),
          2
        )
      )
      const delay = times[1]! - addedAt
      console.log(`second delivery ${delay} ms after the add, lease held by a sink with a 20 s grace period`)
      expect(delay).toBeGreaterThanOrEqual(300)
      expect(delay).toBeLessThan(2500)
    })
  )

  it.effect("nack hands an event back at once, not at the next claim check", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("nacked"))
      // Default grace period: the next claim check is 5 s away.
      const sink = yield* stream.sink(uniqueName("nacks"), { start: StartAt.oldest })
      const id = yield* stream.add("e", "")
      const delivered = yield* Queue.unbounded<Event.Event>()
      yield* Effect.forkScoped(Stream.runForEach(sink.events, (event) => Queue.offer(delivered, event)))
      yield* sink.nack(yield* Queue.take(delivered))
      const nackedAt = yield* Clock.currentTimeMillis
      const again = yield* Queue.take(delivered)
      const delay = (yield* Clock.currentTimeMillis) - nackedAt
      console.log(`nacked event delivered again after ${delay} ms`)
      expect(again.id).toBe(id)
      expect(delay).toBeLessThan(2500)
    })
  )
})

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true, timeout: "60 seconds" })(
  "Sink faults [own redis-server]",
  (it) => {
    it.effect(
      "a sink rides out a restart of a Redis without persistence and reads the new key from its first entry",
      () => {
        const logs = captureLogs()
        return Effect.gen(function* () {
          const server = yield* RedisTestServer.RedisTestServer
          const stream = yield* EventStream.make(uniqueName("restarted"))
          const sink = yield* stream.sink(uniqueName("survives"), { start: StartAt.oldest, ackGracePeriod: grace })
          const received = yield* Queue.unbounded<string>()
          yield* Effect.forkScoped(sink.process((event) => Queue.offer(received, event.eventName)))
          yield* stream.add("before", "")
          expect(yield* Queue.take(received)).toBe("before")
          yield* server.restart
          // The producer retries its adds while the connection comes back, as documented for adds.
          yield* stream
            .addAll([
              { name: "x", payload: "" },
              { name: "y", payload: "" }
            ])
            .pipe(
              Effect.retry({
                schedule: Schedule.spaced("20 millis"),
                times: 250,
                while: (error) => error._tag === "RedisConnectionError"
              })
            )
          expect([yield* Queue.take(received), yield* Queue.take(received)]).toEqual(["x", "y"])
          expect(logs.lines.filter((line) => line.level === "Error")).toEqual([])
        }).pipe(Effect.provide(logs.layer))
      }
    )
  }
)
