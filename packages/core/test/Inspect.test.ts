import { expect } from "@effect/vitest"
import { DeadLetter, Event, EventStream, Inspect, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { Clock, Effect, Schema } from "effect"
import { describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

/** The error the effect fails with (the test fails if it succeeds). */
const failureTag = Effect.flip

/** A dead letter as a sink writes it: the original fields plus sink, deliveries and original ID. */
const addDeadLetter = (stream: string, letter: { sink: string; eventName: string; payload: string; topic?: string }) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    const fields: Array<readonly [string, string]> = [
      ["n", letter.eventName],
      ["p", letter.payload]
    ]
    if (letter.topic !== undefined) fields.push(["t", letter.topic])
    fields.push(["sink", letter.sink], ["deliveries", "3"], ["id", "1-0"])
    return (yield* redis.xadd(DeadLetter.key(stream), fields))!
  })

describeOnBothLayers("Inspect", (it) => {
  it.effect("a stream with no sinks: length, first and last entries, no TTL, listed by the scan", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-plain")
      const stream = yield* EventStream.make(name)
      const first = yield* stream.add("created", "1")
      yield* stream.add("created", "2")
      const last = yield* stream.add("created", "3")
      const info = yield* EventStream.info(name)
      expect(info).toEqual({
        name,
        length: 3,
        firstEntry: { id: first, time: Number(first!.split("-")[0]) },
        lastEntry: { id: last, time: Number(last!.split("-")[0]) },
        lastGeneratedId: last,
        entriesAdded: 3,
        ttlMillis: null,
        sinks: [],
        deadLetters: 0
      })
      // The result is what its schema describes, so it encodes to JSON as it is.
      expect(Schema.decodeUnknownSync(Inspect.StreamInfo)(JSON.parse(JSON.stringify(info)))).toEqual(info)
      expect(yield* Inspect.streams()).toContain(name)
      yield* stream.destroy
      expect(yield* Inspect.streams()).not.toContain(name)
    })
  )

  it.effect("a stream with a TTL reports the time left", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-ttl")
      const stream = yield* EventStream.make(name, { ttl: "1 hour" })
      yield* stream.add("created", "1")
      const info = yield* Inspect.stream(name)
      expect(info.ttlMillis).toBeGreaterThan(3_500_000)
      expect(info.ttlMillis).toBeLessThanOrEqual(3_600_000)
      yield* stream.destroy
    })
  )

  it.effect("a sink: lag from Redis, counted after deletions; pending, oldest pending, deliveries", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-lag")
      const stream = yield* EventStream.make(name)
      const ids: Array<string> = []
      for (let i = 0; i < 6; i++) ids.push((yield* stream.add("created", String(i)))!)
      const redis = yield* RedisClient.RedisClient
      yield* redis.xgroupCreate(stream.key, "audit", "0")
      yield* redis.xreadgroup("audit", "c1", [{ key: stream.key, id: ">" }], { count: 2 })
      // Read the first one again: two deliveries.
      yield* redis.xreadgroup("audit", "c1", [{ key: stream.key, id: "0" }], { count: 1 })

      const sink = yield* Inspect.sink(name, "audit")
      expect(sink).toMatchObject({
        name: "audit",
        lastDeliveredId: ids[1],
        lag: 4,
        lagSource: "redis",
        pending: 2,
        redelivered: 1,
        maxDeliveries: 2,
        deadLetters: 0
      })
      expect(sink.oldestPending).toMatchObject({ id: ids[0], consumer: "c1", deliveries: 2 })
      const now = yield* Clock.currentTimeMillis
      expect(sink.oldestPending!.ageMillis).toBeGreaterThanOrEqual(now - Number(ids[0]!.split("-")[0]) - 1000)
      expect(yield* Inspect.pending(name, "audit")).toEqual([
        expect.objectContaining({ id: ids[0], consumer: "c1", deliveries: 2 }),
        expect.objectContaining({ id: ids[1], consumer: "c1", deliveries: 1 })
      ])
      expect((yield* Inspect.pending(name, "audit", { after: ids[0] })).map((event) => event.id)).toEqual([ids[1]])

      // An XDEL past the group's position: Redis no longer knows the lag, the entries are counted.
      yield* stream.remove(ids[4]!)
      const afterDelete = yield* Inspect.sink(name, "audit")
      expect(afterDelete).toMatchObject({ lag: 3, lagSource: "counted" })
      yield* stream.destroy
    })
  )

  it.effect("a sink with a live consumer and dead ones: alive by keep-alive, stale without or with an old one", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-consumers")
      const sinkName = uniqueName("billing")
      const stream = yield* EventStream.make(name)
      const redis = yield* RedisClient.RedisClient
      yield* stream.add("created", "1")
      const live = yield* stream.sink(sinkName, { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
      // A consumer that crashed without a trace of keep-alive, holding an event.
      yield* stream.add("created", "2")
      yield* redis.xreadgroup(sinkName, "ghost", [{ key: stream.key, id: ">" }], { count: 1 })
      // One whose last beat (in the keep-alive map shared with Go Pulse, in nanoseconds) is ten minutes old.
      const now = yield* Clock.currentTimeMillis
      const oldBeat = now - 600_000
      yield* redis.xgroupCreateConsumer(stream.key, sinkName, "old")
      yield* redis.hset(Sink.keys(sinkName).keepAlive, "old", `${oldBeat}000000`)
      // A Go Pulse consumer of the same sink beats in the same map.
      const goMap = Sink.keys(sinkName).keepAlive
      yield* redis.xgroupCreateConsumer(stream.key, sinkName, "go-worker")
      yield* redis.hset(goMap, "go-worker", `${now - 1000}000000`)
      yield* redis.hset(goMap, "=rev", "7")

      const info = yield* Inspect.stream(name)
      expect(info.sinks.map((sink) => sink.name)).toEqual([sinkName])
      const consumers = new Map(info.sinks[0]!.consumers.map((consumer) => [consumer.name, consumer]))
      expect(consumers.get(live.consumer)).toMatchObject({ alive: true })
      expect(consumers.get(live.consumer)!.lastKeepAlive).toBeGreaterThan(now - 60_000)
      expect(consumers.get("ghost")).toMatchObject({ alive: false, lastKeepAlive: null, pending: 1 })
      expect(consumers.get("old")).toMatchObject({ alive: false, lastKeepAlive: oldBeat, pending: 0 })
      expect(consumers.get("go-worker")).toMatchObject({ alive: true, lastKeepAlive: now - 1000 })
      // With a grace period of ten minutes, a beat ten minutes old is still alive.
      const lenient = yield* Inspect.sink(name, sinkName, { ackGracePeriod: "10 minutes" })
      expect(lenient.consumers.find((consumer) => consumer.name === "old")!.alive).toBe(true)
      yield* live.close
      yield* redis.del([Sink.keys(sinkName).keepAlive, Sink.keys(sinkName).lease, goMap])
      yield* stream.destroy
    })
  )

  it.effect("a missing stream or sink is a typed failure; bad input is refused", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-missing")
      expect(yield* failureTag(Inspect.stream(name))).toMatchObject({ _tag: "StreamNotFound", streamName: name })
      expect(yield* failureTag(Inspect.sink(name, "billing"))).toMatchObject({ _tag: "StreamNotFound" })
      expect(yield* failureTag(Inspect.pending(name, "billing"))).toMatchObject({ _tag: "StreamNotFound" })
      const stream = yield* EventStream.make(name)
      yield* stream.add("created", "1")
      expect(yield* failureTag(Inspect.sink(name, "billing"))).toMatchObject({
        _tag: "SinkNotFound",
        streamName: name,
        sinkName: "billing"
      })
      expect(yield* failureTag(Inspect.stream(""))).toMatchObject({ _tag: "InvalidName" })
      expect(yield* failureTag(Inspect.stream(name, { ackGracePeriod: -1 }))).toMatchObject({
        _tag: "InvalidOption"
      })
      expect(yield* failureTag(Inspect.pending(name, "billing", { after: "x" }))).toMatchObject({
        _tag: "InvalidOption"
      })
      yield* stream.destroy
    })
  )

  it.effect("dead letters: counted per sink, replayed with a filter onto their stream, then gone", () =>
    Effect.gen(function* () {
      const name = uniqueName("inspect-dead")
      const stream = yield* EventStream.make(name)
      const redis = yield* RedisClient.RedisClient
      yield* stream.add("created", "0")
      yield* redis.xgroupCreate(stream.key, "billing", "$")
      const first = yield* addDeadLetter(name, { sink: "billing", eventName: "charged", payload: "a", topic: "eu" })
      yield* addDeadLetter(name, { sink: "audit", eventName: "charged", payload: "b" })
      yield* addDeadLetter(name, { sink: "billing", eventName: "refunded", payload: "c" })
      const info = yield* Inspect.stream(name)
      expect(info.deadLetters).toBe(3)
      expect(info.sinks[0]).toMatchObject({ name: "billing", deadLetters: 2, lag: 0 })

      expect(yield* failureTag(DeadLetter.replay(name, { filter: { ids: ["bad"] } }))).toMatchObject({
        _tag: "InvalidOption"
      })
      expect(yield* DeadLetter.replay(name, { filter: { sink: "nobody" } })).toEqual([])
      expect((yield* DeadLetter.list(name)).length).toBe(3)

      const replayed = yield* DeadLetter.replay(name, { filter: { sink: "billing" }, count: 1 })
      expect(replayed).toHaveLength(1)
      const [event] = yield* redis.xrange(stream.key, replayed[0]!, replayed[0]!)
      expect(event!.fields.map(([field, value]) => [field, new TextDecoder().decode(value)])).toEqual([
        ["n", "charged"],
        ["p", "a"],
        ["t", "eu"]
      ])
      const left = yield* DeadLetter.list(name)
      expect(left.map((letter) => letter.id)).not.toContain(first)
      expect(left.map((letter) => Event.text(letter.event))).toEqual(["b", "c"])
      expect((yield* Inspect.sink(name, "billing")).lag).toBe(1)

      expect(yield* DeadLetter.replay(name)).toHaveLength(2)
      expect(yield* DeadLetter.list(name)).toEqual([])
      expect((yield* Inspect.stream(name)).length).toBe(4)
      yield* redis.del([DeadLetter.key(name)])
      yield* stream.destroy
    })
  )
})
