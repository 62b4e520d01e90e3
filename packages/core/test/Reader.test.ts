import { expect } from "@effect/vitest"
import { Event, EventStream, RedisClient, StartAt, Topic } from "@effect-pulse/core"
import { DateTime, Deferred, type Duration, Effect, Fiber, Stream } from "effect"
import { describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const takeEvents = (stream: Stream.Stream<Event.Event, unknown>, n: number) =>
  stream.pipe(Stream.take(n), Stream.runCollect)

const names = (events: ReadonlyArray<Event.Event>) => events.map((event) => event.eventName)

/**
 * A stream with one entry at the explicit ID 1000-5 and a reader that has
 * read it; `add` adds with an explicit ID, as a re-created key may get the
 * IDs of the old one.
 */
const readerOfReusedIds = (name: string, blockDuration: Duration.Input) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    const stream = yield* EventStream.make(uniqueName(name))
    const add = (id: string, eventName: string) =>
      redis.xadd(
        stream.key,
        [
          ["n", eventName],
          ["p", ""]
        ],
        { id }
      )
    yield* add("1000-5", "old")
    const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration })
    expect(names(yield* takeEvents(reader.events, 1))).toEqual(["old"])
    return { redis, stream, add, reader }
  })

describeOnBothLayers(
  "Reader",
  (it) => {
    it.effect("reads an added event with its name, topic, payload and time", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("single"))
        const before = yield* DateTime.now
        const id = yield* stream.add("created", '{"id":1}', { topic: "eu" })
        const reader = yield* stream.reader({ start: StartAt.oldest })
        const [event] = yield* takeEvents(reader.events, 1)
        expect(event).toMatchObject({
          id,
          streamName: stream.name,
          sinkName: undefined,
          eventName: "created",
          topic: "eu"
        })
        expect(Event.text(event!)).toBe('{"id":1}')
        expect(DateTime.toEpochMillis(event!.createdAt)).toBeGreaterThanOrEqual(DateTime.toEpochMillis(before) - 1000)
        expect(Event.timeOfId(id!)).toEqual(event!.createdAt)
      })
    )

    it.effect("event names and topics come back as given, ASCII or not, short or long", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("names"))
        const given = ["created", "créé", "事件", "x".repeat(100), "é".repeat(40), ""]
        yield* stream.addAll(
          given.map((name, n) => ({ name, payload: "", topic: n % 2 === 0 ? `topic-${name}` : "ü" }))
        )
        const reader = yield* stream.reader({ start: StartAt.oldest })
        const events = yield* takeEvents(reader.events, given.length)
        expect(names(events)).toEqual(given)
        expect(events.map((event) => event.topic)).toEqual(
          given.map((name, n) => (n % 2 === 0 ? `topic-${name}` : "ü"))
        )
        for (const event of events) expect(event.createdAt).toEqual(Event.timeOfId(event.id))
      })
    )

    it.effect("starts after a given event, and after 0 reads everything", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("after"))
        const ids = yield* stream.addAll([1, 2, 3].map((n) => ({ name: `e${n}`, payload: String(n) })))
        const fromSecond = yield* stream.reader({ start: StartAt.after(ids[0]!) })
        expect(names(yield* takeEvents(fromSecond.events, 2))).toEqual(["e2", "e3"])
        const fromZero = yield* stream.reader({ start: StartAt.after("0") })
        expect(names(yield* takeEvents(fromZero.events, 3))).toEqual(["e1", "e2", "e3"])
      })
    )

    it.effect("newest is fixed when the reader is created, however late the first run", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("newest"))
        yield* stream.add("old", "")
        const reader = yield* stream.reader()
        yield* stream.add("new1", "")
        yield* stream.add("new2", "")
        expect(names(yield* takeEvents(reader.events, 2))).toEqual(["new1", "new2"])
      })
    )

    it.effect("newest on a stream that does not exist yet reads its first events", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("later"))
        const reader = yield* stream.reader()
        yield* stream.add("first", "")
        expect(names(yield* takeEvents(reader.events, 1))).toEqual(["first"])
      })
    )

    it.effect("starts at a time: the first event added at or after it", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("at"))
        const redis = yield* RedisClient.RedisClient
        // Explicit IDs make the times exact on both layers.
        yield* redis.xadd(
          stream.key,
          [
            ["n", "a"],
            ["p", ""]
          ],
          { id: "1000-0" }
        )
        yield* redis.xadd(
          stream.key,
          [
            ["n", "b"],
            ["p", ""]
          ],
          { id: "2000-0" }
        )
        yield* redis.xadd(
          stream.key,
          [
            ["n", "c"],
            ["p", ""]
          ],
          { id: "2000-1" }
        )
        yield* redis.xadd(
          stream.key,
          [
            ["n", "d"],
            ["p", ""]
          ],
          { id: "3000-0" }
        )
        const atTwo = yield* stream.reader({ start: StartAt.at(2000) })
        expect(names(yield* takeEvents(atTwo.events, 3))).toEqual(["b", "c", "d"])
        const atDate = yield* stream.reader({ start: StartAt.at(new Date(1500)) })
        expect(names(yield* takeEvents(atDate.events, 1))).toEqual(["b"])
        const atOldest = yield* stream.reader({ start: StartAt.oldest })
        expect(names(yield* takeEvents(atOldest.events, 1))).toEqual(["a"])
      })
    )

    it.effect("two readers each get every event", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("two-readers"))
        const first = yield* stream.reader({ start: StartAt.oldest })
        const second = yield* stream.reader({ start: StartAt.oldest })
        yield* stream.addAll([
          { name: "a", payload: "" },
          { name: "b", payload: "" }
        ])
        expect(names(yield* takeEvents(first.events, 2))).toEqual(["a", "b"])
        expect(names(yield* takeEvents(second.events, 2))).toEqual(["a", "b"])
      })
    )

    it.effect("two subscriptions of one reader each get every event", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("subscriptions"))
        const reader = yield* stream.reader({ start: StartAt.oldest })
        const one = yield* reader.subscribe
        const two = yield* reader.subscribe
        yield* stream.addAll([
          { name: "a", payload: "" },
          { name: "b", payload: "" },
          { name: "c", payload: "" }
        ])
        const [fromOne, fromTwo] = yield* Effect.all([takeEvents(one, 3), takeEvents(two, 3)], { concurrency: 2 })
        expect(names(fromOne)).toEqual(["a", "b", "c"])
        expect(names(fromTwo)).toEqual(["a", "b", "c"])
      })
    )

    it.effect("successive runs of events miss nothing in between", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("successive"))
        const reader = yield* stream.reader({ start: StartAt.oldest })
        yield* stream.addAll(["a", "b", "c"].map((name) => ({ name, payload: "" })))
        expect(names(yield* takeEvents(reader.events, 1))).toEqual(["a"])
        yield* stream.addAll(["d", "e"].map((name) => ({ name, payload: "" })))
        expect(names(yield* takeEvents(reader.events, 2))).toEqual(["b", "c"])
        expect(names(yield* takeEvents(reader.events, 2))).toEqual(["d", "e"])
      })
    )

    it.effect("batches hands events over in arrays, and a run stopped after one array drops nothing", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("batches"))
        const reader = yield* stream.reader({ start: StartAt.oldest })
        yield* stream.addAll(["a", "b", "c"].map((name) => ({ name, payload: "" })))
        const [first] = yield* reader.batches.pipe(Stream.take(1), Stream.runCollect)
        expect(first!.length).toBeGreaterThan(0)
        yield* stream.addAll(["d", "e"].map((name) => ({ name, payload: "" })))
        // What the first run did not take is still there, for either stream of the reader.
        const rest = yield* takeEvents(reader.events, 5 - first!.length)
        expect([...names(first!), ...names(rest)]).toEqual(["a", "b", "c", "d", "e"])
      })
    )

    it.effect("adds, re-adds and removes streams while reading", () =>
      Effect.gen(function* () {
        const [one, two, three] = yield* Effect.all(
          ["multi-a", "multi-b", "multi-c"].map((base) => EventStream.make(uniqueName(base)))
        )
        const reader = yield* one!.reader({ start: StartAt.oldest })
        const take = (n: number) => Effect.map(takeEvents(reader.events, n), (events) => new Set(names(events)))
        yield* one!.add("one-1", "")
        expect(yield* take(1)).toEqual(new Set(["one-1"]))
        yield* reader.addStream(two!)
        yield* reader.addStream(two!) // no effect
        yield* reader.addStream(three!, { start: StartAt.oldest })
        yield* two!.add("two-1", "")
        yield* three!.add("three-1", "")
        expect(yield* take(2)).toEqual(new Set(["two-1", "three-1"]))
        yield* reader.removeStream(one!)
        yield* reader.removeStream(one!) // no effect
        yield* one!.add("one-2", "")
        yield* two!.add("two-2", "")
        yield* three!.add("three-2", "")
        expect(yield* take(2)).toEqual(new Set(["two-2", "three-2"]))
        yield* two!.add("two-3", "")
        expect(yield* take(1)).toEqual(new Set(["two-3"]))
        expect(yield* reader.streamNames).toEqual([two!.name, three!.name])
      })
    )

    it.effect("filters topics by exact topic, regex, glob and predicate", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("topics"))
        yield* stream.addAll([
          { name: "1", payload: "", topic: "eu" },
          { name: "2", payload: "", topic: "eu.fr" },
          { name: "3", payload: "", topic: "us" },
          { name: "4", payload: "" },
          { name: "5", payload: "", topic: "eu.fr.paris" }
        ])
        const read = (topic: Topic.Input, n: number) =>
          Effect.flatMap(stream.reader({ start: StartAt.oldest, topic }), (reader) => takeEvents(reader.events, n))
        expect(names(yield* read("eu", 1))).toEqual(["1"])
        expect(names(yield* read(/^eu\./, 2))).toEqual(["2", "5"])
        expect(names(yield* read(yield* Topic.regex("^(us|eu)$"), 2))).toEqual(["1", "3"])
        expect(names(yield* read(Topic.glob("eu.*"), 1))).toEqual(["2"])
        expect(names(yield* read(Topic.glob("eu.**"), 2))).toEqual(["2", "5"])
        expect(
          names(
            yield* read(
              Topic.predicate((topic) => topic === ""),
              1
            )
          )
        ).toEqual(["4"])
        expect(names(yield* read(Topic.any, 5))).toEqual(["1", "2", "3", "4", "5"])
      })
    )

    it.effect("close while blocked forever ends the streams at once", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("close"))
        const reader = yield* stream.reader({ blockDuration: 0 })
        const subscription = yield* reader.subscribe
        const polling = yield* Deferred.make<void>()
        const run = yield* reader.events.pipe(
          Stream.onStart(Deferred.succeed(polling, undefined)),
          Stream.runCollect,
          Effect.forkScoped
        )
        const subscribed = yield* Effect.forkScoped(Stream.runCollect(subscription))
        yield* Deferred.await(polling)
        yield* reader.close
        yield* reader.close // idempotent
        expect(yield* Fiber.join(run)).toEqual([])
        expect(yield* Fiber.join(subscribed)).toEqual([])
        expect(yield* reader.isClosed).toBe(true)
        // A run after close ends at once too.
        expect(yield* takeEvents(reader.events, 1)).toEqual([])
      })
    )

    it.effect("destroy removes the stream key", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("destroy"))
        yield* stream.add("a", "")
        expect(yield* redis.exists([stream.key])).toBe(1)
        yield* stream.destroy
        expect(yield* redis.exists([stream.key])).toBe(0)
      })
    )

    // The new key's first ID may be the very ID of "before" (same millisecond):
    // the reader then finds out when a blocking read times out.
    it.effect("a stream destroyed and recreated under a reader goes on delivering", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("recreated"))
        yield* stream.add("before", "")
        const reader = yield* stream.reader({ start: StartAt.oldest, blockDuration: "100 millis" })
        expect(names(yield* takeEvents(reader.events, 1))).toEqual(["before"])
        yield* stream.destroy
        yield* stream.add("after", "")
        expect(names(yield* takeEvents(reader.events, 1))).toEqual(["after"])
      })
    )

    it.effect("a stream re-created with IDs at or below the reader's cursor is read from its first entry", () =>
      Effect.gen(function* () {
        const { redis, stream, add, reader } = yield* readerOfReusedIds("reused-ids", "50 millis")
        // Below the cursor, then at the cursor with other fields: each time a new key.
        yield* redis.del([stream.key])
        yield* add("1000-1", "new1")
        yield* add("1000-2", "new2")
        expect(names(yield* takeEvents(reader.events, 2))).toEqual(["new1", "new2"])
        yield* redis.del([stream.key])
        yield* add("1000-2", "new3")
        expect(names(yield* takeEvents(reader.events, 1))).toEqual(["new3"])
      })
    )

    it.effect(
      "a stream re-created under a blocked reader, through its cursor and past it, is read from its first entry",
      () =>
        Effect.gen(function* () {
          // A block longer than the test: the reader must notice on the read that the new entries wake.
          const { redis, stream, add, reader } = yield* readerOfReusedIds("straddled", "1 minute")
          yield* redis.del([stream.key])
          const added = ["new1", "new2", "new3", "new4", "new5", "new6", "new7"]
          for (const [index, name] of added.entries()) yield* add(`1000-${index + 1}`, name)
          expect(names(yield* takeEvents(reader.events, 7))).toEqual(added)
        })
    )

    it.effect("onlyIfStreamExists adds nothing to a missing stream", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("only-if"))
        expect(yield* stream.add("a", "", { onlyIfStreamExists: true })).toBeUndefined()
        expect(yield* redis.exists([stream.key])).toBe(0)
        yield* stream.add("b", "")
        expect(yield* stream.add("c", "", { onlyIfStreamExists: true })).toMatch(/^\d+-\d+$/)
        expect(yield* redis.xlen(stream.key)).toBe(2)
      })
    )

    it.effect("remove deletes events by ID", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("remove"))
        const [first, second] = yield* stream.addAll([
          { name: "a", payload: "" },
          { name: "b", payload: "" }
        ])
        expect(yield* stream.remove(first!)).toBe(1)
        const reader = yield* stream.reader({ start: StartAt.oldest })
        expect((yield* takeEvents(reader.events, 1)).map((event) => event.id)).toEqual([second])
      })
    )
  },
  { cluster: true }
)
