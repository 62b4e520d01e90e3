/**
 * What a sink writes to Go Pulse's bookkeeping (the keep-alive map, the
 * stream's sinks map, the stream TTL) and what it leaves alone, on both
 * layers. The interop tests check the same against the real Go Pulse.
 */
import { expect } from "@effect/vitest"
import { DeadLetter, EventStream, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { Clock, Effect, Stream } from "effect"
import * as ReplicatedMap from "../src/internal/replicatedMap.js"
import * as KeepAlive from "../src/internal/sinkKeepAlive.js"
import * as Registry from "../src/internal/sinkRegistry.js"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

const groupNames = (redis: RedisClient.Service, key: string) =>
  Effect.map(redis.xinfoGroups(key), (groups) => groups.map((group) => group.name))

describeOnBothLayers("Sinks on Go Pulse's bookkeeping", (it) => {
  it.effect(
    "a sink beats, is listed on its stream and applies the stream's TTL; closing unlists it and drops its beat",
    () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("go-keys"), { ttl: "1 hour" })
        const name = uniqueName("keys")
        const { keepAlive } = Sink.keys(name)
        expect(keepAlive).toBe(`map:sink:${name}:keepalive:content`)
        yield* Effect.scoped(
          Effect.gen(function* () {
            const sink = yield* stream.sink(name)
            // Created by the sink (MKSTREAM), with the stream's TTL as Go's NewSink applies it.
            expect(yield* redis.pttl(stream.key)).toBeGreaterThan(3_500_000)
            expect((yield* Registry.sinks(redis, stream.name)).get(name)).toEqual([sink.consumer])
            expect(yield* redis.pttl(`map:stream:${stream.name}:sinks:content`)).toBeGreaterThan(3_500_000)
            expect([...(yield* KeepAlive.beats(redis, name)).keys()]).toEqual([sink.consumer])
            // Written by Go's scripts, which keep the revision Go's replicas order changes by.
            expect(Object.keys(yield* redis.hgetall(keepAlive))).toContain(ReplicatedMap.revisionField)
          })
        )
        expect((yield* Registry.sinks(redis, stream.name)).get(name)).toBeUndefined()
        expect((yield* KeepAlive.beats(redis, name)).size).toBe(0)
        expect(yield* redis.xinfoConsumers(stream.key, name)).toEqual([])
      })
  )

  it.effect("a consumer closing with events pending stays listed and beating, for another consumer to claim them", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(uniqueName("go-held"))
      const name = uniqueName("held")
      const consumer = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* stream.sink(name, { start: StartAt.oldest })
          yield* stream.add("held", "")
          yield* sink.events.pipe(Stream.take(1), Stream.runDrain)
          return sink.consumer
        })
      )
      // Go deletes a group consumer without a keep-alive entry at once, pending events and all.
      expect((yield* redis.xinfoConsumers(stream.key, name)).map((info) => [info.name, info.pending])).toEqual([
        [consumer, 1]
      ])
      expect((yield* Registry.sinks(redis, stream.name)).get(name)).toEqual([consumer])
      expect([...(yield* KeepAlive.beats(redis, name)).keys()]).toEqual([consumer])
    })
  )

  it.effect("removeStream destroys the group only once no consumer is listed on that stream", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const first = yield* EventStream.make(uniqueName("go-remove-a"))
      const second = yield* EventStream.make(uniqueName("go-remove-b"))
      const name = uniqueName("remove")
      const sink = yield* first.sink(name)
      yield* sink.addStream(second)
      // A Go consumer of the same sink, listed on the second stream.
      yield* Registry.register(redis, second.name, name, "go-consumer")
      yield* sink.removeStream(second)
      expect(yield* groupNames(redis, second.key)).toEqual([name])
      expect((yield* Registry.sinks(redis, second.name)).get(name)).toEqual(["go-consumer"])
      yield* sink.removeStream(first)
      expect(yield* groupNames(redis, first.key)).toEqual([])
    })
  )

  it.effect("destroy destroys the stream's sinks map as Go does; the dead letters stay until DeadLetter.destroy", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(uniqueName("go-destroy"))
      yield* Effect.scoped(stream.sink(uniqueName("destroyed")))
      yield* redis.xadd(DeadLetter.key(stream.name), [["n", "letter"]])
      yield* stream.destroy
      expect(yield* redis.exists([stream.key])).toBe(0)
      const map = yield* redis.hgetall(`map:stream:${stream.name}:sinks:content`)
      expect(Object.keys(map).sort()).toEqual([ReplicatedMap.kindField, ReplicatedMap.revisionField])
      expect(map[ReplicatedMap.kindField]).toBe("destroy")
      expect(yield* redis.exists([DeadLetter.key(stream.name)])).toBe(1)
      // Deleted only when asked for.
      expect(yield* DeadLetter.destroy(stream.name)).toBe(true)
      expect(yield* redis.exists([DeadLetter.key(stream.name)])).toBe(0)
      expect(yield* DeadLetter.destroy(stream.name)).toBe(false)
    })
  )

  it.effect("maxLen 0 leaves a stream untrimmed, as in Go Pulse", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(uniqueName("untrimmed"), { maxLen: 0 })
      expect(stream.maxLen).toBe(0)
      // Past the default of 1000 by more than the nodes `MAXLEN ~` keeps.
      yield* stream.addAll(Array.from({ length: 1300 }, () => ({ name: "e", payload: "" })))
      expect((yield* redis.xinfoStream(stream.key)).length).toBe(1300)
    })
  )

  it.effect(
    "a lease holder judges only the consumers of the streams it reads: a same-named sink elsewhere keeps its beat",
    () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const name = uniqueName("judged")
        const elsewhere = yield* EventStream.make(uniqueName("judged-elsewhere"))
        // Beats every 5 s: its beat is older than two of the other sink's grace periods for most of them.
        const patient = yield* elsewhere.sink(name, { ackGracePeriod: "20 seconds" })
        const patientName = patient.consumer
        const beatAt = (yield* KeepAlive.beats(redis, name)).get(patientName)!
        yield* eventually(Clock.currentTimeNanos, (nanos) => nanos - beatAt > 300_000_000n)

        const stream = yield* EventStream.make(uniqueName("judged-here"))
        const hasty = yield* stream.sink(name, { ackGracePeriod: "50 millis" })
        yield* Effect.forkScoped(Stream.runDrain(hasty.events))
        // A consumer of this stream that stopped beating long ago: its removal shows the stale check ran.
        yield* redis.xgroupCreateConsumer(stream.key, name, "ghost")
        yield* ReplicatedMap.set(redis, KeepAlive.keepAliveMap(name), "ghost", "0")
        yield* eventually(
          Effect.map(redis.xinfoConsumers(stream.key, name), (consumers) => consumers.map((c) => c.name)),
          (names) => !names.includes("ghost")
        )
        expect((yield* KeepAlive.beats(redis, name)).get(patientName)).toBe(beatAt)
        expect(yield* redis.xinfoConsumers(elsewhere.key, name)).toMatchObject([{ name: patientName }])
      })
  )
})
