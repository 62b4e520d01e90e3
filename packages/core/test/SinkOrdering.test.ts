import { expect } from "@effect/vitest"
import { Errors, Event, EventStream, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { Deferred, Effect, Stream } from "effect"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Per-key order (#16): `orderBy` handles the events of one key one at a time, in stream order, and different
// keys side by side.
const keys = ["k0", "k1", "k2", "k3", "k4"]

describeOnBothLayers("Per-key order", (it) => {
  it.effect("events of one key run one at a time in stream order; different keys run at once", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("ordered"))
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest })
      // Keys in a scrambled but fixed order, 12 events each.
      const events = Array.from({ length: 60 }, (_, index) => ({
        name: "created",
        payload: `${keys[(index * 7 + Math.floor(index / 5)) % keys.length]}:${index}`
      }))
      const ids = yield* stream.addAll(events)
      const keyOf = (event: Event.Event) => Event.text(event).split(":")[0]!
      const handledByKey = new Map<string, Array<string>>()
      const running = new Map<string, number>()
      let mostOfOneKey = 0
      // Each key's first event waits until every key has one running: with keys handled one after another
      // (or one at a time), none of them would ever finish.
      const allKeysRunning = yield* Deferred.make<void>()
      const handler = (event: Event.SinkEvent) =>
        Effect.gen(function* () {
          const key = keyOf(event)
          const now = (running.get(key) ?? 0) + 1
          running.set(key, now)
          mostOfOneKey = Math.max(mostOfOneKey, now)
          const handled = handledByKey.get(key) ?? []
          handledByKey.set(key, [...handled, event.id])
          if (handled.length === 0) {
            if (handledByKey.size === keys.length) yield* Deferred.succeed(allKeysRunning, undefined)
            yield* Deferred.await(allKeysRunning)
          }
          yield* Effect.yieldNow
          running.set(key, (running.get(key) ?? 1) - 1)
        })
      yield* Effect.forkScoped(sink.process(handler, { concurrency: 8, orderBy: keyOf }))
      const redis = yield* RedisClient.RedisClient
      yield* eventually(
        redis.xpending(stream.key, sink.name),
        (summary) => summary.count === 0 && [...handledByKey.values()].flat().length === ids.length
      )
      expect(mostOfOneKey).toBe(1)
      for (const key of keys) {
        const inStreamOrder = ids.filter((_, index) => events[index]!.payload.startsWith(`${key}:`))
        expect(handledByKey.get(key)).toEqual(inStreamOrder)
      }
    })
  )

  it.effect("Sink.handle orders by what an earlier stage made of the event", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("ordered-carriers"))
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest })
      yield* stream.addAll(Array.from({ length: 20 }, (_, index) => ({ name: "created", payload: `c${index % 3}` })))
      const seen: Array<string> = []
      const handled = yield* sink.events.pipe(
        Stream.map((event) => ({ event, customer: Event.text(event) })),
        Sink.handle(({ customer }) => Effect.sync(() => seen.push(customer)), {
          concurrency: 4,
          orderBy: ({ customer }) => customer
        }),
        Stream.take(20),
        Stream.runCollect
      )
      expect(handled).toHaveLength(20)
      expect(seen.filter((customer) => customer === "c1")).toHaveLength(7)
    })
  )

  it.effect("an orderBy that is not a function fails with InvalidOption", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("ordered-bad"))
      const sink = yield* stream.sink(uniqueName("billing"), { start: StartAt.oldest })
      const error = yield* Effect.flip(
        sink.process(() => Effect.void, { orderBy: "customer" as unknown as (event: Event.SinkEvent) => string })
      )
      expect(error).toBeInstanceOf(Errors.InvalidOption)
    })
  )
})
