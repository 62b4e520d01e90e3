/**
 * effect-pulse's Go Pulse bookkeeping modules against the real Go Pulse
 * v1.6.5 (the `gopulse` driver): what they write, Go reads as it reads its
 * own; what Go writes, they read; and they run the very scripts Go runs.
 */
import { expect } from "@effect/vitest"
import { EventStream, RedisClient } from "@effect-pulse/core"
import { Clock, Effect, Schedule } from "effect"
import { goKeepAliveMapName, goSinkLeaseKey, goSinksMapName } from "../../src/internal/keys.js"
import * as ReplicatedMap from "../../src/internal/replicatedMap.js"
import * as KeepAlive from "../../src/internal/sinkKeepAlive.js"
import * as Lease from "../../src/internal/sinkLease.js"
import * as Registry from "../../src/internal/sinkRegistry.js"
import { cachedScripts, describeWithGoPulse, exitOf, goEvents, goIds, jobs, scenario, startGo } from "./goPulse.js"

const grace = "1000ms"

/** Beats for `consumer` every 250 ms until the scope closes: well within Go's two grace periods. */
const keepBeating = (redis: RedisClient.Service, sink: string, consumer: string) =>
  Effect.forkScoped(Effect.repeat(KeepAlive.beat(redis, sink, consumer), Schedule.spaced("250 millis")))

const consumerNames = (redis: RedisClient.Service, key: string, group: string) =>
  Effect.map(redis.xinfoConsumers(key, group), (consumers) => consumers.map((consumer) => consumer.name))

const scenarios = [
  scenario(
    "a consumer beating through sinkKeepAlive stays alive to a Go consumer; one that never beats is deleted",
    (driver) =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make("keepalive")
        yield* redis.xgroupCreate(stream.key, "ka", "$", { mkStream: true })
        yield* redis.xgroupCreateConsumer(stream.key, "ka", "ts-alive")
        yield* redis.xgroupCreateConsumer(stream.key, "ka", "ts-silent")
        yield* keepBeating(redis, "ka", "ts-alive")
        // Go reads the map once when it starts, then only through published
        // changes: a run of four grace periods sees the beats made meanwhile
        // only if they are published as Go's own writes are.
        const go = yield* startGo(driver, ["sink", stream.name, "ka", "4s", grace])
        expect(yield* exitOf(go)).toBe(0)
        const names = yield* consumerNames(redis, stream.key, "ka")
        expect(names).toContain("ts-alive")
        expect(names).not.toContain("ts-silent")
      })
  ),

  scenario("a Go consumer does not run its claim check while sinkLease holds the lease", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("lease")
      yield* redis.xgroupCreate(stream.key, "ls", "$", { mkStream: true })
      const produced = yield* stream.addAll(jobs(3))
      // Delivered to a live consumer that never acks: only a claim check hands them to Go.
      yield* redis.xreadgroup("ls", "holder", [{ key: stream.key, id: ">" }])
      yield* keepBeating(redis, "ls", "holder")
      expect(yield* Lease.make(redis, "ls", 60_000).acquire).toBe(true)

      const blocked = yield* startGo(driver, ["sink", stream.name, "ls", "3s", grace])
      expect(yield* exitOf(blocked)).toBe(0)
      expect(goEvents(blocked)).toEqual([])

      yield* redis.del([goSinkLeaseKey("ls")])
      const free = yield* startGo(driver, ["sink", stream.name, "ls", "10s", grace, "3"])
      expect(yield* exitOf(free)).toBe(0)
      expect(goIds(free)).toEqual(produced)
    })
  ),

  scenario("the modules read what a Go consumer wrote (with TTL=30s), and run the very scripts Go cached", (driver) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make("state")
      const started = yield* Clock.currentTimeNanos
      const go = yield* startGo(driver, ["sink", stream.name, "st", "300ms", grace], { TTL: "30s" })
      expect(yield* exitOf(go)).toBe(0)
      const ended = yield* Clock.currentTimeNanos

      const beats = yield* KeepAlive.beats(redis, "st")
      expect(beats.size).toBe(1)
      const [goConsumer, beat] = [...beats][0]!
      expect(beat).toBeGreaterThanOrEqual(started)
      expect(beat).toBeLessThanOrEqual(ended)
      expect((yield* Registry.sinks(redis, stream.name)).get("st")).toEqual([goConsumer])
      expect(yield* consumerNames(redis, stream.key, "st")).toEqual([goConsumer])

      // Go applies the stream's TTL when it creates a sink, and gives the
      // sinks map the same TTL; the keep-alive map has none.
      const sinksMap = ReplicatedMap.replicatedMap(goSinksMapName(stream.name))
      const keepAliveMap = ReplicatedMap.replicatedMap(goKeepAliveMapName("st"))
      for (const key of [stream.key, sinksMap.contentKey]) {
        const ttl = yield* redis.pttl(key)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(30_000)
      }
      expect(yield* redis.pttl(keepAliveMap.contentKey)).toBe(-1)

      // Go loaded its scripts when it started: running ours adds none.
      const cached = yield* cachedScripts
      expect(cached).toBeGreaterThan(0)
      yield* KeepAlive.beat(redis, "st", "ts-consumer")
      yield* KeepAlive.forget(redis, "st", "ts-consumer")
      yield* Registry.register(redis, stream.name, "st", "ts-consumer")
      yield* Registry.unregister(redis, stream.name, "st", "ts-consumer")
      yield* Registry.destroy(redis, stream.name)
      yield* Lease.make(redis, "st", 495).acquire
      expect(yield* cachedScripts).toBe(cached)
    })
  )
]

describeWithGoPulse("Go Pulse state read and written by effect-pulse's modules", (driver) => {
  for (const register of scenarios) register(driver)
})
