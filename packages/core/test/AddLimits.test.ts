import { expect } from "@effect/vitest"
import { Errors, EventStream, RedisClient } from "@effect-pulse/core"
import { Effect, Layer } from "effect"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

describeOnBothLayers("Add limits", (it) => {
  it.effect("a payload over the stream's maximum fails with PayloadTooLarge and sends nothing", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const { calls, layer } = yield* countingRedis
      const stream = yield* EventStream.make(uniqueName("too-large"), { maxPayloadSize: 10 }).pipe(
        Effect.provide(layer)
      )
      // Strings count as their UTF-8 bytes: five "é" are 10 bytes, six are 12.
      const tooLarge = yield* Effect.flip(stream.add("created", "éééééé"))
      expect(tooLarge).toMatchObject({ _tag: "PayloadTooLarge", size: 12, maxSize: 10, streamName: stream.name })
      expect(tooLarge.message).toContain("12 bytes")
      const batch = yield* Effect.flip(
        stream.addAll([
          { name: "fits", payload: "ok" },
          { name: "big", payload: new Uint8Array(11) }
        ])
      )
      expect(batch).toMatchObject({ _tag: "PayloadTooLarge", eventName: "big", size: 11 })
      expect(calls).toEqual([])
      expect(yield* redis.exists([stream.key])).toBe(0)
      yield* stream.add("created", "ééééé")
      expect(yield* redis.xlen(stream.key)).toBe(1)
    })
  )

  it.effect("event names and topics that are not well-formed Unicode are refused, and nothing is sent", () =>
    Effect.gen(function* () {
      const { calls, layer } = yield* countingRedis
      const stream = yield* EventStream.make(uniqueName("surrogates")).pipe(Effect.provide(layer))
      expect((yield* Effect.flip(stream.add("bad\ud800", "")))._tag).toBe("InvalidName")
      expect(yield* Effect.flip(stream.add("created", "", { topic: "\udc00" }))).toMatchObject({
        _tag: "InvalidOption",
        option: "topic"
      })
      const batch = yield* Effect.flip(
        stream.addAll([
          { name: "fine", payload: "" },
          { name: "fine", payload: "", topic: "eu\ud83d" }
        ])
      )
      expect(batch._tag).toBe("InvalidOption")
      expect(calls).toEqual([])
      // A pair of surrogates is one well-formed character.
      yield* stream.add("created \ud83d\ude00", "", { topic: "\ud83c\uddea\ud83c\uddfa" })
      yield* stream.destroy
    })
  )

  it.effect("the default maximum payload is 1 MiB", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(uniqueName("default-max"))
      expect(stream.maxPayloadSize).toBe(1024 * 1024)
      const error = yield* Effect.flip(stream.add("big", new Uint8Array(1024 * 1024 + 1)))
      expect(error._tag).toBe("PayloadTooLarge")
      yield* stream.add("fits", new Uint8Array(1024 * 1024))
      yield* stream.destroy
    })
  )

  it.effect("ttl and slidingTtl are set by the add itself", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const { calls, layer } = yield* countingRedis
      const fixed = yield* EventStream.make(uniqueName("ttl"), { ttl: "1 hour" }).pipe(Effect.provide(layer))
      yield* fixed.add("created", "")
      // One command, the add with its expiry: nothing can come between them, and no PEXPIRE can fail after the add.
      expect(calls).toEqual(["xadd"])
      const ttl = yield* redis.pttl(fixed.key)
      expect(ttl).toBeGreaterThan(3_590_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
      // Set once: a later add does not push it back, even after it was shortened.
      yield* redis.pexpire(fixed.key, 60_000)
      yield* fixed.addAll([{ name: "more", payload: "" }])
      expect(yield* redis.pttl(fixed.key)).toBeLessThanOrEqual(60_000)

      const sliding = yield* EventStream.make(uniqueName("sliding"), { slidingTtl: "1 hour" })
      yield* sliding.addAll([{ name: "created", payload: "" }])
      yield* redis.pexpire(sliding.key, 60_000)
      yield* sliding.add("more", "")
      expect(yield* redis.pttl(sliding.key)).toBeGreaterThan(3_590_000)
      // onlyIfStreamExists on a missing stream adds nothing and sets nothing.
      const missing = yield* EventStream.make(uniqueName("missing"), { slidingTtl: "1 hour" })
      expect(yield* missing.add("x", "", { onlyIfStreamExists: true })).toBeUndefined()
      expect(yield* redis.pttl(missing.key)).toBe(-2)
      yield* Effect.forEach([fixed, sliding], (stream) => stream.destroy)
    })
  )

  it.effect("addAll sends a large batch in parts, by count and by bytes, and returns the IDs in order", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const { calls, layer } = yield* countingRedis
      const stream = yield* EventStream.make(uniqueName("parts"), { maxLen: 10_000 }).pipe(Effect.provide(layer))
      const many = Array.from({ length: 2500 }, (_, i) => ({ name: "n", payload: String(i) }))
      const ids = yield* stream.addAll(many)
      expect(calls).toEqual(["xaddAll", "xaddAll", "xaddAll"])
      const stored = yield* redis.xrange(stream.key, "-", "+")
      expect(stored.map((entry) => entry.id)).toEqual(ids)
      expect(stored.map((entry) => new TextDecoder().decode(entry.fields[1]![1]))).toEqual(many.map((e) => e.payload))

      calls.length = 0
      const big = new Uint8Array(600 * 1024)
      const bigIds = yield* stream.addAll([
        { name: "a", payload: big },
        { name: "b", payload: big },
        { name: "c", payload: "small" }
      ])
      // 600 KiB + 600 KiB is over a part's MiB: the second starts a new part, and the small one joins it.
      expect(calls).toEqual(["xaddAll", "xaddAll"])
      expect(bigIds).toHaveLength(3)
      expect(yield* redis.xlen(stream.key)).toBe(2503)
      yield* stream.destroy
    })
  )

  it.effect("a part that fails after others were stored fails with PartiallyAdded, listing the stored IDs", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      let parts = 0
      const failing: RedisClient.Service = {
        ...redis,
        xaddAll: (key, entries, options) =>
          ++parts === 2
            ? Effect.fail(new Errors.RedisConnectionError({ message: "the connection to Redis was lost" }))
            : redis.xaddAll(key, entries, options)
      }
      const stream = yield* EventStream.make(uniqueName("partial"), { maxLen: 10_000 }).pipe(
        Effect.provide(Layer.succeed(RedisClient.RedisClient, failing))
      )
      const batch = Array.from({ length: 1500 }, (_, i) => ({ name: "n", payload: String(i) }))
      const error = yield* Effect.flip(stream.addAll(batch))
      expect(error._tag).toBe("PartiallyAdded")
      const partial = error as Errors.PartiallyAdded
      expect(partial.addedIds).toHaveLength(1000)
      const stored = yield* redis.xrange(stream.key, "-", "+")
      expect(stored.map((entry) => entry.id)).toEqual(partial.addedIds)
      expect(partial.message).toContain("first 1000 event(s), then failed: the connection to Redis was lost")

      // The first part failing stored nothing: the plain Redis error comes through.
      parts = 1
      const other = yield* EventStream.make(uniqueName("partial-first")).pipe(
        Effect.provide(Layer.succeed(RedisClient.RedisClient, failing))
      )
      const first = yield* Effect.flip(other.addAll([{ name: "n", payload: "" }]))
      expect(first._tag).not.toBe("PartiallyAdded")
      expect(yield* redis.exists([other.key])).toBe(0)
      yield* stream.destroy
    })
  )
})
