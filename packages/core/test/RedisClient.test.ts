import { expect } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import { describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

describeOnBothLayers("RedisClient", (it) => {
  it.effect("delIfEquals deletes a key only while it holds the given value", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const key = uniqueName("lease")
      expect(yield* redis.delIfEquals(key, "me")).toBe(false)
      yield* redis.set(key, "other")
      expect(yield* redis.delIfEquals(key, "me")).toBe(false)
      expect(yield* redis.get(key)).toBe("other")
      expect(yield* redis.delIfEquals(key, "other")).toBe(true)
      expect(yield* redis.exists([key])).toBe(0)
      yield* redis.hset(key, "f", "v")
      const wrongType = yield* Effect.flip(redis.delIfEquals(key, "v"))
      expect(wrongType).toMatchObject({ _tag: "RedisCommandError", code: "WRONGTYPE" })
    })
  )
})
