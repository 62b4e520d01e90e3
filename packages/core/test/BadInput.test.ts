import { expect } from "@effect/vitest"
import { EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import { Effect, Exit, Fiber, Option, Stream } from "effect"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit)
    ? exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error._tag : reason._tag))
    : []

describeOnBothLayers(
  "Bad input",
  (it) => {
    const badNames = [
      "",
      "a b",
      "tab\there",
      "nul\0",
      "star*",
      "question?",
      "[bracket",
      "bracket]",
      "x".repeat(513),
      // Lone surrogates: UTF-8 has no encoding for them, so they would all be stored as U+FFFD.
      "\ud800",
      "a\udc00b",
      "end\udbff"
    ]

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
        yield* EventStream.make("emoji-\ud83d\ude00").pipe(Effect.provide(layer))
      })
    )

    it.effect("invalid stream options fail with InvalidOption before reaching Redis", () =>
      Effect.gen(function* () {
        const { calls, layer } = yield* countingRedis
        const cases: ReadonlyArray<EventStream.Options> = [
          { maxLen: -1 },
          { maxLen: -5 },
          { maxLen: 1.5 },
          { ttl: -1 },
          { ttl: 0 },
          { slidingTtl: "-3 seconds" },
          { ttl: "1 hour", slidingTtl: "1 hour" },
          { ttl: Infinity },
          { ttl: Number.NaN },
          { slidingTtl: Infinity },
          { slidingTtl: 2 ** 53 },
          { maxLen: Infinity },
          { maxLen: Number.NaN },
          { maxLen: 2 ** 53 },
          { maxPayloadSize: 0 },
          { maxPayloadSize: Number.NaN },
          { maxPayloadSize: 2 ** 32 }
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
          { options: { blockDuration: Number.NaN }, tag: "InvalidOption" },
          { options: { blockDuration: -Infinity }, tag: "InvalidOption" },
          { options: { blockDuration: 2 ** 53 }, tag: "InvalidOption" },
          { options: { maxPolled: Infinity }, tag: "InvalidOption" },
          { options: { bufferSize: Number.NaN }, tag: "InvalidOption" },
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

    it.effect("invalid sink options fail before reaching Redis, and messages give the range and the value", () =>
      Effect.gen(function* () {
        const { calls, layer } = yield* countingRedis
        const stream = yield* EventStream.make(uniqueName("bad-sink")).pipe(Effect.provide(layer))
        const cases: ReadonlyArray<{ readonly options: Sink.Options; readonly says: ReadonlyArray<string> }> = [
          { options: { ackGracePeriod: Infinity }, says: ["ackGracePeriod", `1 ms to ${2 ** 53 - 1} ms`, "Infinity"] },
          { options: { ackGracePeriod: Number.NaN }, says: ["ackGracePeriod", "NaN"] },
          { options: { ackGracePeriod: 0 }, says: ["ackGracePeriod", "got 0"] },
          { options: { blockDuration: Number.NaN }, says: ["blockDuration", "NaN"] },
          { options: { maxDeliveries: 1.5 }, says: ["maxDeliveries", `from 1 to ${2 ** 53 - 1}`, "got 1.5"] },
          { options: { maxDeliveries: Number.NaN }, says: ["maxDeliveries", "got NaN"] },
          { options: { maxPolled: 2 ** 53 }, says: ["maxPolled", `got ${2 ** 53}`] }
        ]
        for (const { options, says } of cases) {
          const error = yield* Effect.flip(Effect.scoped(stream.sink("billing", options)))
          expect(error._tag, JSON.stringify(options)).toBe("InvalidOption")
          for (const part of says) expect(error.message).toContain(part)
        }
        // A key of Go Pulse's sinks map, where '=' marks the map's own fields.
        const named = yield* Effect.flip(Effect.scoped(stream.sink("a=b")))
        expect(named._tag).toBe("InvalidName")
        expect(named.message).toContain("'='")
        expect(calls).toEqual([])
      })
    )

    it.effect("an infinite blockDuration is accepted: it blocks until an event comes", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("block-forever"))
        const reader = yield* stream.reader({ blockDuration: Infinity })
        const first = yield* Effect.forkScoped(Stream.runHead(reader.events))
        yield* reader.bufferedEvents
        const id = yield* stream.add("created", "")
        expect(Option.map(yield* Fiber.join(first), (event) => event.id)).toEqual(Option.some(id))
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
  },
  { cluster: true }
)
