import { expect } from "@effect/vitest"
import { DeadLetter, Event, EventStream, Payload, RedisClient, Sink, StartAt, Topic } from "@effect-pulse/core"
import { Deferred, Effect, Exit, Fiber, Schema, Stream } from "effect"
import { recordingAcks } from "./utils/recordingAcks.js"
import { countingRedis, describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

const Order = Schema.Struct({ id: Schema.Number })
const order = Payload.json(Order)

const pendingCount = Effect.fnUntraced(function* (stream: EventStream.EventStream, sink: string) {
  const redis = yield* RedisClient.RedisClient
  return (yield* redis.xpending(stream.key, sink)).count
})

const pendingIdle = Effect.fnUntraced(function* (stream: EventStream.EventStream, sink: string) {
  const redis = yield* RedisClient.RedisClient
  return yield* redis.xpendingRange(stream.key, sink, { start: "-", end: "+", count: 100 })
})

/** `count` events are pending, each handed back: idle for a whole grace period (one hour in these tests). */
const expectHandedBack = Effect.fnUntraced(function* (
  stream: EventStream.EventStream,
  sink: string,
  count = 1,
  retryDelayAtMost = 0
) {
  const pending = yield* pendingIdle(stream, sink)
  expect(pending).toHaveLength(count)
  // Idle for the grace period (1 hour) less the retry delay: claimable once that delay is over.
  for (const entry of pending) expect(entry.idleMillis).toBeGreaterThanOrEqual(3_600_000 - retryDelayAtMost)
})

/** The longest first delay of the default retry schedule: 1 s, jittered up to x1.2. */
const defaultFirstRetryAtMost = 1_200

/** Orders 1..n, with the topics given in turn; `bad` payload numbers do not decode. */
const addOrders = (stream: EventStream.EventStream, topics: ReadonlyArray<string>, bad: ReadonlyArray<number> = []) =>
  stream.addAll(
    topics.map((topic, i) => ({
      name: "placed",
      payload: bad.includes(i + 1) ? `{"id":"${i + 1}"}` : `{"id":${i + 1}}`,
      topic
    }))
  )

/** Decodes a sink's events, handling those that decode, until two were handled. */
const decodeAndHandleTwo = (sink: Sink.Sink, onError: "nack" | "deadLetter") =>
  sink.events.pipe(
    Payload.decode(order, { onError }),
    Sink.handle(({ value }) => Effect.succeed(value.id)),
    Stream.take(2),
    Stream.runCollect
  )

const texts = (events: ReadonlyArray<Event.Carrier>) => events.map((carrier) => Event.text(Event.eventOf(carrier)))

describeOnBothLayers("Pipeline stages", (it) => {
  it.effect("Topic.filter keeps the matching events of a reader, and acks nothing", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-reader"))
      const reader = yield* stream.reader({ start: StartAt.oldest })
      yield* addOrders(stream, ["eu.fr", "us.ny", "eu.de"])
      const eu = yield* reader.events.pipe(Topic.filter(Topic.glob("eu.*")), Stream.take(2), Stream.runCollect)
      expect(texts(eu)).toEqual(['{"id":1}', '{"id":3}'])
    })
  )

  it.effect("Topic.filter on a sink acks what it filters out, from every stream", () =>
    Effect.gen(function* () {
      const acks = yield* recordingAcks
      yield* Effect.gen(function* () {
        const first = yield* EventStream.make(uniqueName("pipe-topic-a"))
        const second = yield* EventStream.make(uniqueName("pipe-topic-b"))
        const sink = yield* first.sink("eu", { start: StartAt.oldest })
        yield* sink.addStream(second)
        yield* addOrders(first, ["us", "us", "eu"])
        yield* addOrders(second, ["us", "eu"])
        const kept = yield* sink.events.pipe(Topic.filter("eu"), Stream.take(2), Stream.runCollect)
        expect(kept.map((event) => event.topic)).toEqual(["eu", "eu"])
        // Filtered out and acked: only the two kept events are pending.
        expect((yield* pendingCount(first, "eu")) + (yield* pendingCount(second, "eu"))).toBe(2)
        // Each stream's events come in order, so every rejected one came before the last kept one.
        expect(acks.ids()).toHaveLength(3)
        yield* sink.ackAll(kept)
        expect(yield* pendingCount(first, "eu")).toBe(0)
        expect(yield* pendingCount(second, "eu")).toBe(0)
      }).pipe(Effect.provide(acks.layer))
    })
  )

  it.effect("Payload.decode on a reader fails the stream with PayloadDecodeError by default", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-decode-fail"))
      const reader = yield* stream.reader({ start: StartAt.oldest })
      yield* addOrders(stream, ["", ""], [2])
      const decoded: Array<number> = []
      const exit = yield* reader.events.pipe(
        Payload.decode(order),
        Stream.runForEach(({ value }) => Effect.sync(() => decoded.push(value.id))),
        Effect.exit
      )
      expect(decoded).toEqual([1])
      expect(exit).toMatchObject({ _tag: "Failure" })
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      expect(error).toMatchObject({ error: { _tag: "PayloadDecodeError" } })
    })
  )

  it.effect("Payload.decode with onError nack hands the bad event back and goes on", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-decode-nack"))
      const sink = yield* stream.sink("billing", { start: StartAt.oldest, ackGracePeriod: "1 hour" })
      yield* addOrders(stream, ["", "", ""], [2])
      const billed = yield* decodeAndHandleTwo(sink, "nack")
      expect(billed.map(({ value }) => value.id)).toEqual([1, 3])
      yield* expectHandedBack(stream, "billing")
    })
  )

  it.effect("Payload.decode with onError deadLetter moves the bad event at once, with the reason", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-decode-dead"))
      const sink = yield* stream.sink("billing", { start: StartAt.oldest })
      const [, badId] = yield* addOrders(stream, ["", "", ""], [2])
      const billed = yield* decodeAndHandleTwo(sink, "deadLetter")
      expect(billed.map(({ value }) => value.id)).toEqual([1, 3])
      expect(yield* pendingCount(stream, "billing")).toBe(0)
      const letters = yield* DeadLetter.list(stream.name)
      expect(letters).toHaveLength(1)
      expect(letters[0]).toMatchObject({ deliveries: 1, event: { id: badId, sinkName: "billing" } })
      expect(letters[0]!.reason).toContain("Expected number")
      expect(Event.text(letters[0]!.event)).toBe('{"id":"2"}')
    })
  )

  it.effect("Sink.handle acks what succeeds, hands back what fails, and keeps going", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-handle"))
      const sink = yield* stream.sink("workers", { start: StartAt.oldest, ackGracePeriod: "1 hour" })
      yield* addOrders(stream, ["", "", "", "", ""])
      const handled = yield* sink.events.pipe(
        Sink.handle((event) => {
          const text = Event.text(event)
          if (text === '{"id":3}') throw new Error("a handler that throws is handed back too")
          return text === '{"id":2}' ? Effect.fail("cannot") : Effect.void
        }),
        Stream.take(3),
        Stream.runCollect
      )
      expect(texts(handled)).toEqual(['{"id":1}', '{"id":4}', '{"id":5}'])
      yield* expectHandedBack(stream, "workers", 2, defaultFirstRetryAtMost)
    })
  )

  it.effect("Sink.handle runs `concurrency` handlers at once on a sink's events", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-concurrency"))
      const sink = yield* stream.sink("workers", { start: StartAt.oldest })
      yield* addOrders(stream, ["", "", "", "", "", ""])
      // Each handler waits until four are running: with fewer at once, none would finish.
      let running = 0
      let most = 0
      const fourRunning = yield* Deferred.make<void>()
      const handler = () =>
        Effect.gen(function* () {
          running++
          most = Math.max(most, running)
          if (running === 4) yield* Deferred.succeed(fourRunning, undefined)
          yield* Deferred.await(fourRunning)
          running--
        })
      const handled = yield* sink.events.pipe(
        Sink.handle(handler, { concurrency: 4 }),
        Stream.take(6),
        Stream.runCollect
      )
      expect(handled).toHaveLength(6)
      expect(most).toBe(4)
      expect(yield* pendingCount(stream, "workers")).toBe(0)
    })
  )

  it.effect("Sink.ackEach acks what reaches it, batched by count and time into one XACK per stream", () =>
    Effect.gen(function* () {
      const acks = yield* recordingAcks
      yield* Effect.gen(function* () {
        const first = yield* EventStream.make(uniqueName("pipe-ack-a"))
        const second = yield* EventStream.make(uniqueName("pipe-ack-b"))
        const sink = yield* first.sink("audit", { start: StartAt.oldest })
        yield* sink.addStream(second)
        yield* addOrders(first, ["", "", ""])
        yield* addOrders(second, ["", "", ""])
        const seen: Array<string> = []
        yield* sink.events.pipe(
          Stream.tap((event) => Effect.sync(() => seen.push(event.id))),
          Sink.ackEach({ batchSize: 6, within: "1 minute" }),
          Stream.take(6),
          Stream.runDrain
        )
        expect(seen).toHaveLength(6)
        expect(acks.calls()).toHaveLength(2)
        expect(acks.ids().sort()).toEqual([...seen].sort())
        expect(yield* pendingCount(first, "audit")).toBe(0)
        expect(yield* pendingCount(second, "audit")).toBe(0)
      }).pipe(Effect.provide(acks.layer))
    })
  )

  it.effect("a stage failing before the ack leaves the event pending", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-ack-fail"))
      const sink = yield* stream.sink("audit", { start: StartAt.oldest })
      yield* addOrders(stream, ["", ""])
      const exit = yield* sink.events.pipe(
        Stream.tap((event) => (Event.text(event) === '{"id":2}' ? Effect.fail("stop") : Effect.void)),
        Sink.ackEach(),
        Stream.runDrain,
        Effect.exit
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const pending = yield* pendingIdle(stream, "audit")
      expect(pending).toHaveLength(1)
    })
  )

  it.effect("filter and decode compose in either order", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-order"))
      const first = yield* stream.sink("filter-first", { start: StartAt.oldest })
      const second = yield* stream.sink("decode-first", { start: StartAt.oldest })
      // 2 does not decode and is filtered out; 4 does not decode and is kept; 6 comes after all the others.
      yield* addOrders(stream, ["eu", "us", "eu", "eu", "us", "eu"], [2, 4])
      const filterFirst = yield* first.events.pipe(
        Topic.filter("eu"),
        Payload.decode(order, { onError: "deadLetter" }),
        Sink.handle(({ value }) => Effect.succeed(value)),
        Stream.take(3),
        Stream.runCollect
      )
      const decodeFirst = yield* second.events.pipe(
        Payload.decode(order, { onError: "deadLetter" }),
        Topic.filter("eu"),
        Sink.handle(({ value }) => Effect.succeed(value)),
        Stream.take(3),
        Stream.runCollect
      )
      expect(filterFirst.map(({ value }) => value.id)).toEqual([1, 3, 6])
      expect(decodeFirst.map(({ value }) => value.id)).toEqual([1, 3, 6])
      // Everything is acked either way; decoding first dead-letters 2 as well as 4.
      expect(yield* pendingCount(stream, "filter-first")).toBe(0)
      expect(yield* pendingCount(stream, "decode-first")).toBe(0)
      const letters = yield* DeadLetter.list(stream.name)
      const bySink = (sink: string) => letters.filter((letter) => letter.event.sinkName === sink).map((l) => l.event.id)
      const redis = yield* RedisClient.RedisClient
      const ids = (yield* redis.xrange(stream.key, "-", "+")).map((entry) => entry.id)
      expect(bySink("filter-first")).toEqual([ids[3]])
      expect(bySink("decode-first").sort()).toEqual([ids[1], ids[3]].sort())
    })
  )

  it.effect("bad stage options fail with InvalidOption or InvalidTopicPattern before anything is pulled or acked", () =>
    Effect.gen(function* () {
      const counting = yield* countingRedis
      yield* Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("pipe-bad"))
        const sink = yield* stream.sink("bad", { start: StartAt.oldest })
        const [id] = yield* addOrders(stream, ["eu"])
        const run = <E>(stage: (events: Stream.Stream<Event.SinkEvent, Sink.SinkError>) => Stream.Stream<unknown, E>) =>
          Effect.flip(Stream.runDrain(stage(sink.events)))
        expect(yield* run(Sink.handle(() => Effect.void, { concurrency: 0 }))).toMatchObject({
          _tag: "InvalidOption",
          option: "concurrency"
        })
        expect(yield* run(Sink.ackEach({ batchSize: 1.5 }))).toMatchObject({
          _tag: "InvalidOption",
          option: "batchSize"
        })
        expect(yield* run(Sink.handle(() => Effect.void, { within: "soon" as never }))).toMatchObject({
          _tag: "InvalidOption",
          option: "within"
        })
        // An invalid pattern is refused when its matcher is built, before any stage exists.
        expect(yield* Effect.flip(Topic.regex("("))).toMatchObject({ _tag: "InvalidTopicPattern" })
        expect(counting.calls.filter((name) => /^x(ack|claim|add)/.test(name))).toEqual(["xaddAll"])
        // None of them took the event: the next run gets it.
        const [event] = yield* sink.events.pipe(Stream.take(1), Stream.runCollect)
        expect(event!.id).toBe(id)
      }).pipe(Effect.provide(counting.layer))
    })
  )

  it.effect("an interrupted pipeline sends the acks it queued and leaves the events in flight pending", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-interrupt"))
      const sink = yield* stream.sink("workers", { start: StartAt.oldest })
      const [, stuckId] = yield* addOrders(stream, ["", ""])
      const firstHandled = yield* Deferred.make<void>()
      const running = yield* Effect.forkScoped(
        sink.events.pipe(
          Sink.handle((event) => (event.id === stuckId ? Effect.never : Effect.void), {
            concurrency: 2,
            within: "1 hour"
          }),
          // A handled event is handed on once its ack is queued.
          Stream.runForEach(() => Deferred.succeed(firstHandled, undefined))
        )
      )
      yield* Deferred.await(firstHandled)
      yield* Fiber.interrupt(running)
      // The first one's ack was waiting for its batch to fill: it went out on interruption.
      const pending = yield* pendingIdle(stream, "workers")
      expect(pending.map((entry) => entry.id)).toEqual([stuckId])
    })
  )

  it.effect("a stream merged from two sinks acks each event through the sink that delivered it", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-merged"))
      const billing = yield* stream.sink("billing", { start: StartAt.oldest })
      const shipping = yield* stream.sink("shipping", { start: StartAt.oldest })
      yield* addOrders(stream, ["eu", "us", "eu"])
      const handled = yield* Stream.merge(billing.events, shipping.events).pipe(
        Topic.filter("eu"),
        Sink.handle((event) => Effect.succeed(event.sinkName)),
        Stream.take(4),
        Stream.runCollect
      )
      expect(handled.map((event) => event.sinkName).sort()).toEqual(["billing", "billing", "shipping", "shipping"])
      yield* eventually(
        Effect.all([pendingCount(stream, "billing"), pendingCount(stream, "shipping")]),
        ([a, b]) => a === 0 && b === 0
      )
    })
  )

  it.effect("sink.process is the handle stage: it acks on success and hands back on failure", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("pipe-process"))
      const sink = yield* stream.sink("workers", { start: StartAt.oldest, ackGracePeriod: "1 hour" })
      yield* addOrders(stream, ["", "", "", "", ""], [3])
      const handled = new Set<number>()
      const fiber = yield* Effect.forkScoped(
        sink.process((event) => Effect.map(order.decode(event), (value) => handled.add(value.id)), {
          concurrency: 3,
          batchSize: 2
        })
      )
      yield* eventually(pendingCount(stream, "workers"), (count) => count === 1 && handled.size === 4)
      yield* sink.close
      yield* Fiber.join(fiber)
      expect([...handled].sort()).toEqual([1, 2, 4, 5])
    })
  )
})

// Acking stages take a sink's events only: a reader's stream does not type-check.
export const readerEventsCannotBeAcked = (reader: { readonly events: Stream.Stream<Event.Event> }) => [
  // @ts-expect-error a reader's events carry no sink to ack them
  reader.events.pipe(Sink.handle(() => Effect.void)),
  // @ts-expect-error a reader's events carry no sink to ack them
  reader.events.pipe(Sink.ackEach()),
  // @ts-expect-error handing back needs a sink
  reader.events.pipe(Payload.decode(order, { onError: "nack" })),
  reader.events.pipe(Payload.decode(order), Topic.filter("eu"))
]
