import { expect } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { Clock, Effect } from "effect"
import * as ReplicatedMap from "../src/internal/replicatedMap.js"
import * as KeepAlive from "../src/internal/sinkKeepAlive.js"
import * as Lease from "../src/internal/sinkLease.js"
import * as Registry from "../src/internal/sinkRegistry.js"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Go Pulse's sink bookkeeping, written and read by effect-pulse's modules.
// What Go itself makes of these writes is checked in interop/GoPulse.test.ts.

describeOnBothLayers("Go Pulse bookkeeping", (it) => {
  it.effect("replicated map: every write bumps =rev and sets =kind, as Go's scripts do", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const map = ReplicatedMap.replicatedMap(uniqueName("map"))
      expect(map.contentKey).toBe(`map:${map.name}:content`)
      expect(map.updatesChannel).toBe(`map:${map.name}:updates`)

      expect(yield* ReplicatedMap.set(redis, map, "a", "1")).toEqual({ existed: false, previous: "", revision: 1n })
      expect(yield* ReplicatedMap.set(redis, map, "a", "2")).toEqual({ existed: true, previous: "1", revision: 2n })
      expect(yield* redis.hgetall(map.contentKey)).toEqual({ a: "2", "=rev": "2", "=kind": "set" })

      expect(yield* ReplicatedMap.remove(redis, map, "missing")).toBeUndefined()
      expect(yield* ReplicatedMap.remove(redis, map, "a")).toBe("2")
      expect(yield* redis.hgetall(map.contentKey)).toEqual({ "=rev": "3", "=kind": "del" })

      expect(yield* ReplicatedMap.appendValues(redis, map, "l", ["x", "y"])).toEqual(["x", "y"])
      expect(yield* ReplicatedMap.appendValues(redis, map, "l", ["x"])).toEqual(["x", "y", "x"])
      expect((yield* redis.hgetall(map.contentKey)).l).toBe('["x","y","x"]')
      expect(yield* ReplicatedMap.removeValues(redis, map, "l", ["x"])).toEqual({ remaining: ["y"], removed: true })
      expect(yield* ReplicatedMap.removeValues(redis, map, "l", ["z"])).toEqual({ remaining: ["y"], removed: false })
      expect(yield* ReplicatedMap.removeValues(redis, map, "l", ["y"])).toEqual({ remaining: [], removed: true })

      const content = yield* ReplicatedMap.read(redis, map)
      expect(content).toEqual({ entries: new Map(), revision: 7n, lastWrite: "del" })

      yield* ReplicatedMap.set(redis, map, "b", "1")
      yield* ReplicatedMap.destroy(redis, map)
      expect(yield* redis.hgetall(map.contentKey)).toEqual({ "=rev": "9", "=kind": "destroy" })
    })
  )

  it.effect("replicated map: keys Go refuses are defects, and nothing is written", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const map = ReplicatedMap.replicatedMap(uniqueName("map"))
      for (const key of ["", "a=b"]) {
        const exit = yield* Effect.exit(ReplicatedMap.set(redis, map, key, "v"))
        expect(exit._tag).toBe("Failure")
      }
      expect(yield* redis.exists([map.contentKey])).toBe(0)
    })
  )

  it.effect("replicated map: the TTL is applied after each write, once or sliding", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const once = ReplicatedMap.replicatedMap(uniqueName("map"), { millis: 60_000, sliding: false })
      yield* ReplicatedMap.set(redis, once, "a", "1")
      yield* redis.pexpire(once.contentKey, 1_000_000)
      yield* ReplicatedMap.set(redis, once, "a", "2")
      expect(yield* redis.pttl(once.contentKey)).toBeGreaterThan(60_000)

      const sliding = ReplicatedMap.replicatedMap(uniqueName("map"), { millis: 60_000, sliding: true })
      yield* ReplicatedMap.set(redis, sliding, "a", "1")
      yield* redis.pexpire(sliding.contentKey, 1_000_000)
      yield* ReplicatedMap.set(redis, sliding, "a", "2")
      const ttl = yield* redis.pttl(sliding.contentKey)
      expect(ttl).toBeGreaterThan(50_000)
      expect(ttl).toBeLessThanOrEqual(60_000)
    })
  )

  it.effect("list values are read as Go reads them: a JSON array of strings, or a comma list", () =>
    Effect.sync(() => {
      expect(ReplicatedMap.parseValues('["a","b,c"]')).toEqual(["a", "b,c"])
      expect(ReplicatedMap.parseValues(' ["a"] ')).toEqual(["a"])
      expect(ReplicatedMap.parseValues("a,b")).toEqual(["a", "b"])
      expect(ReplicatedMap.parseValues("[1,2]")).toEqual(["[1", "2]"])
    })
  )

  it.effect("keep-alive: a beat writes UnixNano; a second beat finds the entry there", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const sink = uniqueName("sink")
      const before = yield* Clock.currentTimeNanos
      expect(yield* KeepAlive.beat(redis, sink, "c1")).toBe(false)
      expect(yield* KeepAlive.beat(redis, sink, "c1")).toBe(true)
      const after = yield* Clock.currentTimeNanos
      const hash = yield* redis.hgetall(`map:sink:${sink}:keepalive:content`)
      expect(hash["=rev"]).toBe("2")
      const beat = (yield* KeepAlive.beats(redis, sink)).get("c1")!
      expect(beat).toBeGreaterThanOrEqual(before)
      expect(beat).toBeLessThanOrEqual(after)
      expect(hash.c1).toBe(String(beat))

      expect(KeepAlive.isStale(beat, beat + 2_000_000_000n, 1000)).toBe(false)
      expect(KeepAlive.isStale(beat, beat + 2_000_000_001n, 1000)).toBe(true)

      expect(yield* KeepAlive.forget(redis, sink, "c1")).toBe(true)
      expect(yield* KeepAlive.forget(redis, sink, "c1")).toBe(false)
      expect((yield* KeepAlive.beats(redis, sink)).size).toBe(0)
    })
  )

  it.effect("lease: one holder at a time, free again once its time has passed", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const sink = uniqueName("sink")
      const lease = Lease.make(redis, sink, 100)
      expect(yield* lease.acquire).toBe(true)
      const held = Number(yield* redis.get(`sink:${sink}:stalelease`))
      expect(held).toBeGreaterThan(Date.now() - 1000)
      expect(yield* lease.acquire).toBe(false)
      yield* eventually(lease.acquire, (taken) => taken)
      const ttl = yield* redis.pttl(`sink:${sink}:stalelease`)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(100)
    })
  )

  it.effect("lease: held for just under the check interval, never longer than Go holds it", () =>
    Effect.sync(() => {
      expect(Lease.leaseMillisFor(500)).toBe(495)
      expect(Lease.leaseMillisFor(5000)).toBe(Lease.goLeaseMillis)
      expect(Lease.leaseMillisFor(80)).toBe(75)
      expect(Lease.leaseMillisFor(10)).toBe(9)
    })
  )

  it.effect("lease: a lease whose time has passed is taken even before its key expires", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const sink = uniqueName("sink")
      // As a holder with a slow clock would leave it: a past time with a long expiry.
      yield* redis.set(`sink:${sink}:stalelease`, String(Date.now() - 1), { expireMillis: 60_000 })
      expect(yield* Lease.make(redis, sink, 495).acquire).toBe(true)
      expect(yield* redis.pttl(`sink:${sink}:stalelease`)).toBeLessThanOrEqual(495)
    })
  )

  it.effect("sinks map: consumers listed per sink, unlisted, and the map destroyed as Go does", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = uniqueName("stream")
      const key = `map:stream:${stream}:sinks:content`
      yield* Registry.destroy(redis, stream)
      expect(yield* redis.exists([key])).toBe(0)

      expect(yield* Registry.register(redis, stream, "billing", "c1")).toEqual(["c1"])
      expect(yield* Registry.register(redis, stream, "billing", "c2")).toEqual(["c1", "c2"])
      expect(yield* Registry.register(redis, stream, "audit", "c3", { millis: 60_000, sliding: false })).toEqual(["c3"])
      expect(yield* redis.pttl(key)).toBeGreaterThan(0)
      expect(yield* Registry.sinks(redis, stream)).toEqual(
        new Map([
          ["billing", ["c1", "c2"]],
          ["audit", ["c3"]]
        ])
      )
      expect(yield* Registry.unregister(redis, stream, "billing", "c1")).toEqual(["c2"])
      expect(yield* Registry.unregister(redis, stream, "audit", "c3")).toEqual([])
      expect(yield* Registry.sinks(redis, stream)).toEqual(new Map([["billing", ["c2"]]]))

      yield* Registry.destroy(redis, stream)
      expect(yield* redis.hgetall(key)).toEqual({ "=rev": "6", "=kind": "destroy" })
    })
  )
})
