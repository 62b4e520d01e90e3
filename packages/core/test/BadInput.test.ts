import { expect } from "@effect/vitest"
import { EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { Effect, Exit } from "effect"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit)
    ? exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error._tag : reason._tag))
    : []

describeOnBothLayers("Bad input", (it) => {
  const badNames = ["", "a b", "tab\there", "nul\0", "star*", "question?", "[bracket", "bracket]", "x".repeat(513)]

  it.effect("invalid stream names fail with InvalidName before reaching Redis", () =>
    Effect.gen(function* () {
      const { calls, layer } = yield* countingRedis
      for (const name of badNames) {
        const exit = yield* Effect.exit(EventStream.make(name).pipe(Effect.provide(layer)))
        expect(failureTag(exit), JSON.stringify(name)).toEqual(["InvalidName"])
      }
      expect(calls).toEqual([])
      // The limits themselves are accepted.
      yield* EventStream.make("x".repeat(512)).pipe(Effect.provide(layer))
      yield* EventStream.make("orders.eu:2024-01/ok").pipe(Effect.provide(layer))
    })
  )

  it.effect("invalid stream options fail with InvalidOption before reaching Redis", () =>
    Effect.gen(function* () {
      const { calls, layer } = yield* countingRedis
      const cases: ReadonlyArray<EventStream.Options> = [
        { maxLen: 0 },
        { maxLen: -5 },
        { maxLen: 1.5 },
        { ttl: -1 },
        { ttl: 0 },
        { slidingTtl: "-3 seconds" },
        { ttl: "1 hour", slidingTtl: "1 hour" }
      ]
      for (const options of cases) {
        const exit = yield* Effect.exit(
          EventStream.make(uniqueName("bad-options"), options).pipe(Effect.provide(layer))
        )
        expect(failureTag(exit), JSON.stringify(options)).toEqual(["InvalidOption"])
      }
      expect(calls).toEqual([])
    })
  )

  it.effect("invalid reader options fail before reaching Redis, and nothing is created", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(uniqueName("bad-reader"))
      const { calls, layer } = yield* countingRedis
      const counted = yield* EventStream.make(stream.name).pipe(Effect.provide(layer))
      const cases = [
        { options: { maxPolled: 0 }, tag: "InvalidOption" },
        { options: { bufferSize: 0 }, tag: "InvalidOption" },
        { options: { bufferSize: 2.5 }, tag: "InvalidOption" },
        { options: { blockDuration: -1 }, tag: "InvalidOption" },
        { options: { start: StartAt.after("not-an-id") }, tag: "InvalidOption" },
        { options: { start: StartAt.after("1-2-3") }, tag: "InvalidOption" },
        { options: { start: StartAt.after("99999999999999999999999") }, tag: "InvalidOption" },
        { options: { start: StartAt.at(-1) }, tag: "InvalidOption" },
        { options: { start: StartAt.at(Number.NaN) }, tag: "InvalidOption" }
      ] as const
      for (const { options, tag } of cases) {
        const exit = yield* Effect.exit(Effect.scoped(counted.reader(options)))
        expect(failureTag(exit), JSON.stringify(options)).toEqual([tag])
      }
      expect(calls).toEqual([])
      expect(yield* redis.exists([stream.key])).toBe(0)
    })
  )

  it.effect("removing a malformed ID fails and removes nothing", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("bad-remove"))
      const [id] = yield* stream.addAll([{ name: "a", payload: "" }])
      const { calls, layer } = yield* countingRedis
      const counted = yield* EventStream.make(stream.name).pipe(Effect.provide(layer))
      const exit = yield* Effect.exit(counted.remove(id!, "banana"))
      expect(failureTag(exit)).toEqual(["InvalidOption"])
      expect(calls).toEqual([])
      const redis = yield* RedisClient.RedisClient
      expect(yield* redis.xlen(stream.key)).toBe(1)
    })
  )

  it.effect("addStream with a malformed start fails and leaves the reader as it was", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("bad-add-stream"))
      const other = yield* EventStream.make(uniqueName("bad-add-stream-other"))
      const reader = yield* stream.reader()
      const exit = yield* Effect.exit(reader.addStream(other, { start: StartAt.after("x") }))
      expect(failureTag(exit)).toEqual(["InvalidOption"])
      expect(yield* reader.streamNames).toEqual([stream.name])
    })
  )
})
