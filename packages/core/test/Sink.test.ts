import { expect } from "@effect/vitest"
import { type Event, EventStream, RedisClient, type Sink, StartAt, Topic } from "@effect-pulse/core"
import { Effect, Fiber, Stream } from "effect"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

const take = (sink: Sink.Sink, n: number) => sink.events.pipe(Stream.take(n), Stream.runCollect)
const names = (events: ReadonlyArray<Event.Event>) => events.map((event) => event.eventName)
const addNamed = (stream: EventStream.EventStream, eventNames: ReadonlyArray<string>) =>
  stream.addAll(eventNames.map((name) => ({ name, payload: name })))

const pendingCount = (stream: EventStream.EventStream, sink: string) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    return (yield* redis.xpending(stream.key, sink)).count
  })

describeOnBothLayers(
  "Sink",
  (it) => {
    it.effect("reads an event once, and an ack clears it from the pending list", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-once"))
        const sink = yield* stream.sink("billing", { start: StartAt.oldest })
        const id = yield* stream.add("created", "payload", { topic: "eu" })
        const [event] = yield* take(sink, 1)
        expect(event).toMatchObject({
          id,
          streamName: stream.name,
          sinkName: "billing",
          eventName: "created",
          topic: "eu"
        })
        expect(yield* pendingCount(stream, "billing")).toBe(1)
        yield* sink.ack(event!)
        expect(yield* pendingCount(stream, "billing")).toBe(0)
        expect(sink.name).toBe("billing")
        expect(sink.consumer.length).toBeGreaterThan(0)
      })
    )

    it.effect("batches hands events over in arrays that ackAll acks; a run stopped after one array drops nothing", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-batches"))
        const sink = yield* stream.sink("batched", { start: StartAt.oldest })
        yield* addNamed(stream, ["a", "b", "c"])
        const [first] = yield* sink.batches.pipe(Stream.take(1), Stream.runCollect)
        expect(first!.length).toBeGreaterThan(0)
        expect(first!.every((event) => event.sinkName === "batched")).toBe(true)
        yield* sink.ackAll(first!)
        yield* addNamed(stream, ["d", "e"])
        // What the first run did not take is still buffered, for either stream of the sink.
        const rest = yield* take(sink, 5 - first!.length)
        expect([...names(first!), ...names(rest)]).toEqual(["a", "b", "c", "d", "e"])
        expect(yield* pendingCount(stream, "batched")).toBe(rest.length)
        yield* sink.ackAll(rest)
        expect(yield* pendingCount(stream, "batched")).toBe(0)
      })
    )

    it.effect("batches flattened feed groupedWithin a read at a time: every event once, in order", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-grouped"))
        const sink = yield* stream.sink("grouped", { start: StartAt.oldest, maxPolled: 10 })
        const added = Array.from({ length: 35 }, (_, i) => `e${i}`)
        yield* addNamed(stream, added)
        const groups = yield* sink.batches.pipe(
          Stream.flattenArray,
          Stream.groupedWithin(7, "1 hour"),
          Stream.tap((events) => sink.ackAll(events)),
          Stream.take(5),
          Stream.runCollect
        )
        expect(groups.map((events) => events.length)).toEqual([7, 7, 7, 7, 7])
        expect(groups.flatMap(names)).toEqual(added)
        expect(yield* pendingCount(stream, "grouped")).toBe(0)
      })
    )

    it.effect("starts after a given event, or with the events added after its creation", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-since"))
        const [first] = yield* addNamed(stream, ["a", "b"])
        const since = yield* stream.sink("since", { start: StartAt.after(first!) })
        expect(names(yield* take(since, 1))).toEqual(["b"])
        const newest = yield* stream.sink("newest")
        yield* addNamed(stream, ["c"])
        expect(names(yield* take(newest, 1))).toEqual(["c"])
      })
    )

    it.effect("two consumers of one sink split the events; two sinks each get all", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-split"))
        const one = yield* stream.sink("shared", { start: StartAt.oldest, maxPolled: 3 })
        const two = yield* stream.sink("shared", { start: StartAt.oldest, maxPolled: 3 })
        const other = yield* stream.sink("other", { start: StartAt.oldest })
        const all = Array.from({ length: 20 }, (_, n) => `e${n}`)
        yield* addNamed(stream, all)
        const seen: Array<[string, string]> = []
        const collect = (sink: Sink.Sink) =>
          sink.events.pipe(
            Stream.runForEach((event) =>
              Effect.andThen(
                sink.ack(event),
                Effect.sync(() => seen.push([sink.consumer, event.eventName]))
              )
            ),
            Effect.forkScoped
          )
        yield* collect(one)
        yield* collect(two)
        // The other sink gets every event on its own.
        expect(names(yield* take(other, 20))).toEqual(all)
        // Wait until the shared sink has nothing left pending or unread.
        yield* eventually(pendingCount(stream, "shared"), (count) => count === 0 && seen.length >= all.length)
        expect(seen.map(([, name]) => name).sort()).toEqual([...all].sort())
        expect(new Set(seen.map(([, name]) => name)).size).toBe(all.length)
      })
    )

    it.effect("reads several streams, and stops reading a removed one", () =>
      Effect.gen(function* () {
        const first = yield* EventStream.make(uniqueName("sink-multi-a"))
        const second = yield* EventStream.make(uniqueName("sink-multi-b"))
        const sink = yield* first.sink("multi", { start: StartAt.oldest })
        yield* sink.addStream(second)
        yield* sink.addStream(second) // no effect
        yield* first.add("a1", "")
        yield* second.add("b1", "")
        const got = yield* take(sink, 2)
        expect(new Set(names(got))).toEqual(new Set(["a1", "b1"]))
        yield* sink.ackAll(got)
        expect(yield* pendingCount(first, "multi")).toBe(0)
        expect(yield* pendingCount(second, "multi")).toBe(0)
        yield* sink.removeStream(second)
        yield* sink.removeStream(second) // no effect
        // The last consumer left: the group on the removed stream is gone, as in Go Pulse.
        const redis = yield* RedisClient.RedisClient
        expect((yield* redis.xinfoGroups(second.key)).map((group) => group.name)).toEqual([])
        yield* second.add("b2", "")
        yield* first.add("a2", "")
        expect(names(yield* take(sink, 1))).toEqual(["a2"])
        expect(yield* sink.streamNames).toEqual([first.name])
      })
    )

    it.effect("acks the events its topic filter rejects, so they are not claimed again", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-topic"))
        const sink = yield* stream.sink("eu-only", { start: StartAt.oldest, topic: Topic.glob("eu.*") })
        yield* stream.addAll([
          { name: "fr", payload: "", topic: "eu.fr" },
          { name: "us", payload: "", topic: "us" },
          { name: "none", payload: "" },
          { name: "de", payload: "", topic: "eu.de" }
        ])
        const got = yield* take(sink, 2)
        expect(names(got)).toEqual(["fr", "de"])
        expect(yield* pendingCount(stream, "eu-only")).toBe(2)
        yield* sink.ackAll(got)
        expect(yield* pendingCount(stream, "eu-only")).toBe(0)
      })
    )

    it.effect("noAck sinks leave nothing pending", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-noack"))
        const sink = yield* stream.sink("fire-and-forget", { start: StartAt.oldest, noAck: true })
        yield* addNamed(stream, ["a", "b"])
        expect(names(yield* take(sink, 2))).toEqual(["a", "b"])
        expect(yield* pendingCount(stream, "fire-and-forget")).toBe(0)
      })
    )

    it.effect("close ends the streams, keeps unacked events pending, and removes an idle consumer", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("sink-close"))
        const keeper = yield* stream.sink("closing", { start: StartAt.oldest, blockDuration: 0 })
        const idle = yield* stream.sink("closing", { blockDuration: 0 })
        yield* addNamed(stream, ["a"])
        expect(names(yield* take(keeper, 1))).toEqual(["a"])
        const running = yield* Effect.forkScoped(Stream.runCollect(idle.events))
        yield* keeper.close
        yield* idle.close
        yield* idle.close // idempotent
        expect(yield* Fiber.join(running)).toEqual([])
        expect(yield* keeper.isClosed).toBe(true)
        expect(yield* pendingCount(stream, "closing")).toBe(1)
        const consumers = yield* redis.xinfoConsumers(stream.key, "closing")
        expect(consumers.map((consumer) => [consumer.name, consumer.pending])).toEqual([[keeper.consumer, 1]])
      })
    )

    it.effect("process acks what the handler handles and hands back what fails", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("sink-process"))
        const sink = yield* stream.sink("workers", { start: StartAt.oldest, ackGracePeriod: "1 hour" })
        yield* addNamed(stream, ["ok1", "bad", "ok2"])
        const handled: Array<string> = []
        const fiber = yield* Effect.forkScoped(
          sink.process(
            (event) =>
              event.eventName === "bad"
                ? Effect.fail("cannot handle")
                : Effect.sync(() => handled.push(event.eventName)),
            { concurrency: 2 }
          )
        )
        yield* eventually(pendingCount(stream, "workers"), (count) => count === 1 && handled.length === 2)
        const redis = yield* RedisClient.RedisClient
        const [pending] = yield* redis.xpendingRange(stream.key, "workers", { start: "-", end: "+", count: 10 })
        // Handed back: idle for a whole grace period less the default first retry delay (1 s, jittered up to
        // 1.2 s), so that a claim takes it once that delay is over.
        expect(pending!.idleMillis).toBeGreaterThanOrEqual(3_600_000 - 1_200)
        expect(handled.sort()).toEqual(["ok1", "ok2"])
        yield* sink.close
        yield* Fiber.join(fiber)
      })
    )
  },
  { cluster: true }
)
