import { expect } from "@effect/vitest"
import { DeadLetter, Event, EventStream, Payload, RedisClient, Sink, StartAt, Topic } from "@effect-pulse/core"
import { Effect, Fiber, Schema, Stream } from "effect"
import { recordingAcks } from "./utils/recordingAcks.js"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Random pipelines of topic filters and a payload decoder, in any order,
// ending in `Sink.handle` or in `Stream.tap` + `Sink.ackEach`, over random
// events: with handlers that succeed, every event is acked exactly once (by
// a filter, by the dead letters, or by the last stage) and none stays pending.

const TopicName = Schema.Literals(["a", "b", ""])
const Case = {
  events: Schema.Array(Schema.Struct({ topic: TopicName, decodes: Schema.Boolean })).check(
    Schema.isMinLength(1),
    Schema.isMaxLength(12)
  ),
  filters: Schema.Array(Schema.Array(TopicName)).check(Schema.isMaxLength(3)),
  /** Where the decoder goes among the filters; past their end means last, -1 means none. */
  decodeAt: Schema.Literals([-1, 0, 1, 2, 3]),
  end: Schema.Literals(["handle", "ackEach"]),
  concurrency: Schema.Literals([1, 2, 4]),
  batchSize: Schema.Literals([1, 3, 1000]),
  within: Schema.Literals([0, 5])
}

const Order = Payload.json(Schema.Struct({ n: Schema.Number }))

type Carriers = Stream.Stream<Event.Carrier<Event.SinkEvent>, unknown>

describeOnBothLayers("Pipeline properties", (it) => {
  it.effect.prop(
    "any composition of filters, a decoder and a handler acks every event exactly once and leaves none pending",
    Case,
    ({ events, filters, decodeAt, end, concurrency, batchSize, within }) =>
      Effect.gen(function* () {
        const acks = yield* recordingAcks
        return yield* Effect.gen(function* () {
          const redis = yield* RedisClient.RedisClient
          const stream = yield* EventStream.make(uniqueName("pipe-prop"))
          const sink = yield* stream.sink("prop", { start: StartAt.oldest })
          const ids = yield* stream.addAll(
            events.map(({ topic, decodes }, n) => ({
              name: "e",
              payload: decodes ? `{"n":${n}}` : "not json",
              topic: topic === "" ? undefined : topic
            }))
          )

          // What should happen to each event, by running the stages on the model.
          const decoder = decodeAt === -1 ? undefined : Math.min(decodeAt, filters.length)
          const expectedHandled = new Set<string>()
          const expectedDead = new Set<string>()
          const fate = (topic: typeof TopicName.Type, decodes: boolean): "handled" | "dead" | "filtered" => {
            for (let stage = 0; stage <= filters.length; stage++) {
              if (stage === decoder && !decodes) return "dead"
              if (stage < filters.length && !filters[stage]!.includes(topic)) return "filtered"
            }
            return "handled"
          }
          events.forEach(({ topic, decodes }, n) => {
            const outcome = fate(topic, decodes)
            if (outcome === "handled") expectedHandled.add(ids[n]!)
            else if (outcome === "dead") expectedDead.add(ids[n]!)
          })

          let pipeline: Carriers = sink.events
          for (let stage = 0; stage <= filters.length; stage++) {
            if (stage === decoder) {
              pipeline = (pipeline as Stream.Stream<Event.SinkEvent, unknown>).pipe(
                Payload.decode(Order, { onError: "deadLetter" })
              )
            }
            const topics: ReadonlyArray<string> | undefined = filters[stage]
            if (topics !== undefined) pipeline = pipeline.pipe(Topic.filter(Topic.predicate((t) => topics.includes(t))))
          }
          const handled: Array<string> = []
          const handler = (carrier: Event.Carrier<Event.SinkEvent>) =>
            Effect.sync(() => handled.push(Event.eventOf(carrier).id))
          const batching = { batchSize, within: within === 0 ? undefined : within }
          const finished =
            end === "handle"
              ? pipeline.pipe(Sink.handle(handler, { concurrency, ...batching }))
              : pipeline.pipe(Stream.tap(handler), Sink.ackEach(batching))
          const running = yield* Effect.forkScoped(Stream.runDrain(finished))

          yield* eventually(
            Effect.map(redis.xpending(stream.key, "prop"), (pending) => ({
              pending: pending.count,
              acked: acks.ids().length,
              handled: handled.length
            })),
            ({ pending, acked, handled }) => pending === 0 && acked >= ids.length && handled >= expectedHandled.size
          )
          yield* sink.close
          yield* Fiber.join(running)

          const ackedIds = acks.ids()
          expect([...ackedIds].sort()).toEqual([...ids].sort())
          expect(new Set(handled)).toEqual(expectedHandled)
          expect(handled).toHaveLength(expectedHandled.size)
          const letters = yield* DeadLetter.list(stream.name)
          expect(new Set(letters.map((letter) => letter.event.id))).toEqual(expectedDead)
          expect((yield* redis.xpending(stream.key, "prop")).count).toBe(0)
        }).pipe(Effect.provide(acks.layer), Effect.scoped)
      }),
    { timeout: 120_000, arbitrary: { runs: 25 } }
  )
})
