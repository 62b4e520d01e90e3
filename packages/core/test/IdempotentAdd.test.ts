import { describe, expect, it } from "@effect/vitest"
import { Errors, EventStream, RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { countingRedis, describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

// Idempotent adds (#16): an add with a producer-chosen `id` is stored once per window.
describeOnBothLayers(
  "Idempotent adds",
  (it) => {
    it.effect("a second add with the same id stores nothing and returns the first event's ID", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("once"))
        const redis = yield* RedisClient.RedisClient
        const first = yield* stream.add("created", "1", { id: "order-1" })
        expect(yield* stream.add("created", "1 again", { id: "order-1" })).toBe(first)
        const other = yield* stream.add("created", "2", { id: "order-2" })
        expect(other).not.toBe(first)
        const plain = yield* stream.add("created", "3")
        expect(yield* redis.xrange(stream.key, "-", "+")).toHaveLength(3)
        expect([first, other, plain]).toEqual([...new Set([first, other, plain])])
      })
    )

    it.effect("concurrent adds with one id store one event, and all get its ID", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("once-race"))
        const redis = yield* RedisClient.RedisClient
        const ids = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, index) => index),
          (index) => stream.add("created", `${index}`, { id: "the-one" }),
          { concurrency: "unbounded" }
        )
        expect(new Set(ids).size).toBe(1)
        expect(yield* redis.xlen(stream.key)).toBe(1)
      })
    )

    it.effect("the id is remembered for the window only: its key expires (bounded memory)", () =>
      Effect.gen(function* () {
        const name = uniqueName("once-window")
        const stream = yield* EventStream.make(name, { idempotencyWindow: "90 seconds" })
        const redis = yield* RedisClient.RedisClient
        const id = yield* stream.add("created", "", { id: "a" })
        const key = `pulse:added:{pulse:stream:${name}}:${name}:a`
        expect(yield* redis.get(key)).toBe(id)
        const ttl = yield* redis.pttl(key)
        expect(ttl).toBeGreaterThan(80_000)
        expect(ttl).toBeLessThanOrEqual(90_000)
      })
    )

    it.effect("onlyIfStreamExists on a missing stream adds nothing and remembers nothing", () =>
      Effect.gen(function* () {
        const stream = yield* EventStream.make(uniqueName("once-missing"))
        expect(yield* stream.add("created", "", { id: "a", onlyIfStreamExists: true })).toBeUndefined()
        const id = yield* stream.add("created", "", { id: "a" })
        expect(id).toBeDefined()
        expect(yield* stream.add("created", "", { id: "a", onlyIfStreamExists: true })).toBe(id)
      })
    )

    it.effect("a hash-tagged stream keeps its idempotency keys in its own slot", () =>
      Effect.gen(function* () {
        const name = `{${uniqueName("tagged")}}.eu`
        const stream = yield* EventStream.make(name, { ttl: "1 hour" })
        const first = yield* stream.add("created", "", { id: "x" })
        expect(yield* stream.add("created", "", { id: "x" })).toBe(first)
        const redis = yield* RedisClient.RedisClient
        expect(yield* redis.xlen(stream.key)).toBe(1)
        expect(yield* redis.pttl(stream.key)).toBeGreaterThan(0)
      })
    )

    it.effect("a bad id or window fails with InvalidOption and sends nothing", () =>
      Effect.gen(function* () {
        const counting = yield* countingRedis
        const failures = yield* Effect.gen(function* () {
          const stream = yield* EventStream.make(uniqueName("once-bad"))
          const badIds = ["", "x".repeat(513), "lone \ud800", 42 as unknown as string]
          const errors = []
          for (const id of badIds) errors.push(yield* Effect.flip(stream.add("created", "", { id })))
          errors.push(yield* Effect.flip(EventStream.make(uniqueName("once-bad"), { idempotencyWindow: 0 })))
          return errors
        }).pipe(Effect.provide(counting.layer))
        for (const failure of failures) expect(failure).toBeInstanceOf(Errors.InvalidOption)
        expect(counting.calls).toEqual([])
      })
    )
  },
  { cluster: true }
)

describe("Idempotent adds (InMemoryRedis, TestClock)", () => {
  it.effect("after the window the same id adds again", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("once-later", { idempotencyWindow: "5 minutes" })
      const first = yield* stream.add("created", "", { id: "a" })
      yield* TestClock.adjust("4 minutes")
      expect(yield* stream.add("created", "", { id: "a" })).toBe(first)
      // Redis expires a key once its time is past, not at it.
      yield* TestClock.adjust("1 minute")
      expect(yield* stream.add("created", "", { id: "a" })).toBe(first)
      yield* TestClock.adjust("1 millis")
      const second = yield* stream.add("created", "", { id: "a" })
      expect(second).not.toBe(first)
    }).pipe(Effect.provide(InMemoryRedis.layer))
  )
})
