import { expect, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { uniqueKey } from "./helpers.js"

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("key commands on a real Redis", (it) => {
  it.effect("set, get, del and exists", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const a = uniqueKey("a")
      const b = uniqueKey("b")
      expect(yield* redis.get(a)).toBeNull()
      expect(yield* redis.set(a, "héllo")).toBe(true)
      expect(yield* redis.get(a)).toBe("héllo")
      expect(yield* redis.set(a, "other", { onlyIfMissing: true })).toBe(false)
      expect(yield* redis.get(a)).toBe("héllo")
      expect(yield* redis.set(b, "x", { onlyIfMissing: true, expireMillis: 60_000 })).toBe(true)
      expect(yield* redis.exists([a, b, uniqueKey("none")])).toBe(2)
      expect(yield* redis.exists([])).toBe(0)
      expect(yield* redis.del([a, b, uniqueKey("none")])).toBe(2)
      expect(yield* redis.del([])).toBe(0)
      expect(yield* redis.exists([a, b])).toBe(0)
    })
  )

  it.effect("pexpire with conditions, and pttl", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("ttl")
      expect(yield* redis.pttl(key)).toBe(-2)
      expect(yield* redis.pexpire(key, 1000)).toBe(false)
      yield* redis.set(key, "v")
      expect(yield* redis.pttl(key)).toBe(-1)
      expect(yield* redis.pexpire(key, 60_000, "XX")).toBe(false)
      expect(yield* redis.pexpire(key, 60_000, "NX")).toBe(true)
      expect(yield* redis.pexpire(key, 120_000, "NX")).toBe(false)
      expect(yield* redis.pexpire(key, 30_000, "GT")).toBe(false)
      expect(yield* redis.pexpire(key, 120_000, "GT")).toBe(true)
      expect(yield* redis.pexpire(key, 90_000, "LT")).toBe(true)
      const left = yield* redis.pttl(key)
      expect(left).toBeGreaterThan(60_000)
      expect(left).toBeLessThanOrEqual(90_000)
      const error = yield* Effect.flip(redis.pexpire(key, 1000, "XX GT" as never))
      expect(error).toMatchObject({ _tag: "RedisCommandError", command: "PEXPIRE", code: "ERR" })
    })
  )

  it.effect("hset, hgetall and hdel", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("hash")
      expect(yield* redis.hgetall(key)).toEqual({})
      expect(yield* redis.hset(key, "a", "1")).toBe(1)
      expect(yield* redis.hset(key, "a", "2")).toBe(0)
      expect(yield* redis.hset(key, "__proto__", "odd")).toBe(1)
      expect(yield* redis.hset(key, "ü", "ß")).toBe(1)
      const all = yield* redis.hgetall(key)
      expect(Object.entries(all).sort()).toEqual([
        ["__proto__", "odd"],
        ["a", "2"],
        ["ü", "ß"]
      ])
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
      expect(yield* redis.hdel(key, ["a", "missing"])).toBe(1)
      expect(yield* redis.hdel(key, [])).toBe(0)
      expect(Object.keys(yield* redis.hgetall(key)).sort()).toEqual(["__proto__", "ü"])
      const stream = uniqueKey("stream")
      yield* redis.xadd(stream, [["n", "x"]])
      const wrong = yield* Effect.flip(redis.hgetall(stream))
      expect(wrong).toMatchObject({ _tag: "RedisCommandError", command: "HGETALL", code: "WRONGTYPE" })
    })
  )
})
