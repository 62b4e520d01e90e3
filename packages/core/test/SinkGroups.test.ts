import { expect } from "@effect/vitest"
import { EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { Effect, Exit, Stream } from "effect"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const failureTags = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit)
    ? exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error._tag : reason._tag))
    : []

describeOnBothLayers(
  "Sink groups",
  (it) => {
    it.effect("stream.destroy ends the streams of a sink opened on it with StreamDestroyed", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("stream-gone"))
        const sink = yield* stream.sink("orphan", { start: StartAt.oldest, blockDuration: "200 millis" })
        yield* stream.add("a", "")
        const [first] = yield* sink.events.pipe(Stream.take(1), Stream.runCollect)
        expect(first?.eventName).toBe("a")
        yield* stream.destroy
        const exit = yield* Effect.exit(Stream.runDrain(sink.events))
        expect(failureTags(exit)).toEqual(["StreamDestroyed"])
      })
    )

    it.effect("invalid sink names and options fail before reaching Redis", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make(uniqueName("bad-sink"))
        const { calls, layer } = yield* countingRedis
        const counted = yield* EventStream.make(stream.name).pipe(Effect.provide(layer))
        const cases = [
          { name: "", options: {}, tag: "InvalidName" },
          { name: "a b", options: {}, tag: "InvalidName" },
          { name: "glob*", options: {}, tag: "InvalidName" },
          { name: "ok", options: { ackGracePeriod: 0 }, tag: "InvalidOption" },
          { name: "ok", options: { ackGracePeriod: "-1 second" }, tag: "InvalidOption" },
          { name: "ok", options: { maxDeliveries: 0 }, tag: "InvalidOption" },
          { name: "ok", options: { maxDeliveries: 1.5 }, tag: "InvalidOption" },
          { name: "ok", options: { bufferSize: 0 }, tag: "InvalidOption" },
          { name: "ok", options: { start: StartAt.after("nope") }, tag: "InvalidOption" }
        ] as const
        for (const { name, options, tag } of cases) {
          const exit = yield* Effect.exit(Effect.scoped(counted.sink(name, options)))
          expect(failureTags(exit), `${name} ${JSON.stringify(options)}`).toEqual([tag])
        }
        expect(calls).toEqual([])
        expect(yield* redis.exists([stream.key])).toBe(0)
      })
    )
  },
  { cluster: true }
)
