import { expect } from "@effect/vitest"
import { type Event, EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const takeOne = (events: Stream.Stream<Event.Event, unknown>) =>
  Effect.map(Stream.runCollect(Stream.take(events, 1)), (collected) => collected[0]!)

const pending = (stream: EventStream.EventStream, sink: string) =>
  RedisClient.RedisClient.use((redis) => Effect.map(redis.xpending(stream.key, sink), (summary) => summary.count))

/** The commands that settle events: none of them may be sent for a refused ack or nack. */
const settling = (calls: ReadonlyArray<string>) =>
  calls.filter((call) => call === "xack" || call === "xclaimJustId" || call === "xclaim")

describeOnBothLayers("Sink misuse", (it) => {
  it.effect("every operation on a closed sink fails with SinkClosed and sends nothing", () =>
    Effect.gen(function* () {
      const { calls, layer } = yield* countingRedis
      const stream = yield* EventStream.make(uniqueName("closed-sink")).pipe(Effect.provide(layer))
      const other = yield* EventStream.make(uniqueName("closed-sink-other")).pipe(Effect.provide(layer))
      const sink = yield* stream.sink("billing", { start: StartAt.oldest })
      yield* stream.add("created", "")
      const event = yield* takeOne(sink.events)
      yield* sink.close
      const sent = calls.length
      const attempts: ReadonlyArray<readonly [string, Effect.Effect<unknown, { readonly _tag: string }>]> = [
        ["ack", sink.ack(event)],
        ["ackAll", sink.ackAll([event])],
        ["nack", sink.nack(event)],
        ["extend", sink.extend(event)],
        ["keepClaimed", Effect.void.pipe(sink.keepClaimed(event))],
        ["process", sink.process(() => Effect.void)],
        ["addStream", sink.addStream(other)]
      ]
      for (const [operation, attempt] of attempts) {
        const error = yield* Effect.flip(attempt)
        expect(error, operation).toMatchObject({ _tag: "SinkClosed", sinkName: "billing", operation })
        expect((error as unknown as Error).message).toContain("sink billing")
      }
      expect(calls.slice(sent)).toEqual([])
      // Unacked, the event stays pending for another consumer.
      expect(yield* pending(stream, "billing")).toBe(1)
    })
  )

  it.effect("addStream on a closed reader fails with ReaderClosed naming its streams", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("closed-reader"))
      const other = yield* EventStream.make(uniqueName("closed-reader-other"))
      const reader = yield* stream.reader()
      yield* reader.close
      const error = yield* Effect.flip(reader.addStream(other))
      expect(error).toMatchObject({ _tag: "ReaderClosed", streamNames: [stream.name], operation: "addStream" })
      expect(error.message).toContain(stream.name)
    })
  )

  it.effect("a process running when its sink closes returns normally", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("process-close"))
      const sink = yield* stream.sink("billing")
      const handled = yield* Deferred.make<void>()
      const running = yield* Effect.forkScoped(sink.process(() => Deferred.succeed(handled, undefined)))
      yield* stream.add("created", "")
      yield* Deferred.await(handled)
      yield* sink.close
      yield* Fiber.join(running)
      // The handled event's ack went out as process returned.
      expect(yield* pending(stream, "billing")).toBe(0)
    })
  )

  it.effect("acking or nacking an event a sink did not deliver fails with NotDeliveredToSink and sends nothing", () =>
    Effect.gen(function* () {
      const { calls, layer } = yield* countingRedis
      const stream = yield* EventStream.make(uniqueName("foreign")).pipe(Effect.provide(layer))
      const unread = yield* EventStream.make(uniqueName("foreign-unread")).pipe(Effect.provide(layer))
      const billing = yield* stream.sink("billing", { start: StartAt.oldest })
      const shipping = yield* stream.sink("shipping", { start: StartAt.oldest })
      const shippingOfUnread = yield* unread.sink("billing", { start: StartAt.oldest })
      const reader = yield* stream.reader({ start: StartAt.oldest })
      yield* stream.add("created", "")
      yield* unread.add("created", "")
      const toShipping = yield* takeOne(shipping.events)
      const toBilling = yield* takeOne(billing.events)
      const read = yield* takeOne(reader.events)
      const ofUnread = yield* takeOne(shippingOfUnread.events)
      const cases: ReadonlyArray<readonly [Event.Event, string]> = [
        [toShipping, "delivered to sink shipping"],
        [read, "read by a reader"],
        // Same sink name, but billing does not read that stream.
        [ofUnread, `does not read stream ${unread.name}`]
      ]
      const before = settling(calls).length
      for (const [event, reason] of cases) {
        const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
          billing.ack(event),
          billing.nack(event),
          billing.extend(event),
          Effect.void.pipe(billing.keepClaimed(event)),
          billing.ackAll([toBilling, event])
        ]
        for (const attempt of attempts) {
          const error = yield* Effect.flip(attempt)
          expect(error).toMatchObject({ _tag: "NotDeliveredToSink", sinkName: "billing", eventId: event.id })
          expect((error as unknown as Error).message).toContain(reason)
        }
      }
      expect(settling(calls).length).toBe(before)
      // Nothing was settled: each sink still holds its own delivery, and billing's own ack works.
      expect(yield* pending(stream, "shipping")).toBe(1)
      expect(yield* pending(stream, "billing")).toBe(1)
      yield* billing.ack(toBilling)
      expect(yield* pending(stream, "billing")).toBe(0)
    })
  )

  it.effect("process refuses a concurrency that is not a positive integer", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("process-concurrency"))
      const sink: Sink.Sink = yield* stream.sink("billing")
      for (const concurrency of [0, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(sink.process(() => Effect.void, { concurrency }))
        expect(error._tag).toBe("InvalidOption")
      }
    })
  )
})
