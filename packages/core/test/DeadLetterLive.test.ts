import { expect } from "@effect/vitest"
import { DeadLetter, Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { Effect, Stream } from "effect"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

// Dead letters with the real clock, on every layer: on a cluster the
// dead-letter stream `<name>:dead` lives in another slot than its stream
// unless the name carries a hash tag, and both must work.
describeOnBothLayers(
  "Dead letters",
  (it) => {
    for (const name of ["orders", "{orders}.eu"]) {
      it.effect(`an event handed back maxDeliveries times moves to the dead letters (${name})`, () =>
        Effect.gen(function* () {
          const redis = yield* RedisClient.RedisClient
          const stream = yield* EventStream.make(uniqueName(name))
          const sink = yield* stream.sink(uniqueName("billing"), {
            start: StartAt.oldest,
            maxDeliveries: 2,
            ackGracePeriod: "1 second"
          })
          const id = yield* stream.add("created", "order 1")
          // Two deliveries, each handed back: the second reaches maxDeliveries.
          const deliveries = yield* sink.events.pipe(
            Stream.take(2),
            Stream.tap((event) => sink.nack(event)),
            Stream.runCollect
          )
          expect(deliveries.map((event) => event.id)).toEqual([id, id])
          const letters = yield* eventually(DeadLetter.list(stream.name), (found) => found.length === 1)
          expect(letters[0]!.event.id).toBe(id)
          expect(letters[0]!.deliveries).toBe(2)
          expect(Event.text(letters[0]!.event)).toBe("order 1")
          // The move writes the letter, then acks the event: a look at the letter may come between the two
          // (the ack can travel on another connection than this look: the layer's connection for adds and acks).
          yield* eventually(redis.xpending(stream.key, sink.name), (pending) => pending.count === 0)
          expect(yield* DeadLetter.remove(stream.name, [letters[0]!.id])).toBe(1)
        })
      )
    }
  },
  { cluster: true }
)
