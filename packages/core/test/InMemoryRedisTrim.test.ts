import { describe, expect, it } from "@effect/vitest"
import type { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect } from "effect"
import { ids } from "./InMemoryRedisHelpers.js"

/** Length and first ID of the stream `s` every `every` steps, as `[step, length, firstId]`. */
const checkpoints = (
  steps: number,
  every: number,
  step: (redis: RedisClient.Service, i: number) => Effect.Effect<unknown, unknown>
) =>
  Effect.gen(function* () {
    const redis = yield* InMemoryRedis.make
    const seen: Array<readonly [number, number, string | undefined]> = []
    for (let i = 1; i <= steps; i++) {
      yield* step(redis, i)
      if (i % every === 0) {
        const [first] = yield* redis.xrange("s", "-", "+", 1)
        seen.push([i, yield* redis.xlen("s"), first?.id])
      }
    }
    return seen
  })

// The expected values below were recorded from redis-server 7.0.15 running the same commands.
describe("InMemoryRedis MAXLEN trimming", () => {
  it.effect("approximate trimming removes whole nodes of 100 entries, deleted ones included", () =>
    Effect.gen(function* () {
      const seen = yield* checkpoints(400, 25, (redis, i) =>
        Effect.gen(function* () {
          yield* redis.xadd("s", [["n", "x"]], { id: `${i}-0`, trim: { maxLen: 120, approximate: true } })
          if (i % 10 === 0) yield* redis.xdel("s", [`${i - 5}-0`])
          // Deleting every entry of the second node removes the node: the next add starts a new one at 151.
          if (i === 150)
            yield* redis.xdel(
              "s",
              Array.from({ length: 50 }, (_, j) => `${101 + j}-0`)
            )
        })
      )
      expect(seen).toEqual([
        [25, 23, "1-0"],
        [50, 45, "1-0"],
        [75, 68, "1-0"],
        [100, 90, "1-0"],
        [125, 113, "1-0"],
        [150, 90, "1-0"],
        [175, 113, "1-0"],
        [200, 135, "1-0"],
        [225, 158, "1-0"],
        [250, 180, "1-0"],
        [275, 203, "1-0"],
        [300, 135, "151-0"],
        [325, 158, "151-0"],
        [350, 180, "151-0"],
        [375, 203, "151-0"],
        [400, 135, "251-0"]
      ])
    })
  )

  it.effect("nodes of larger entries end at about 4096 bytes", () =>
    Effect.gen(function* () {
      const payload = "y".repeat(60)
      const seen = yield* checkpoints(200, 10, (redis, i) =>
        redis.xadd(
          "s",
          [
            ["n", "x"],
            ["p", payload]
          ],
          { id: `${i}-0`, trim: { maxLen: 100, approximate: true } }
        )
      )
      // 55 such entries fill a node: the first node goes once 155 entries are there.
      expect(seen.slice(13)).toEqual([
        [140, 140, "1-0"],
        [150, 150, "1-0"],
        [160, 105, "56-0"],
        [170, 115, "56-0"],
        [180, 125, "56-0"],
        [190, 135, "56-0"],
        [200, 145, "56-0"]
      ])
    })
  )

  it.effect("exact trimming keeps exactly MAXLEN; the entries it marks deleted still fill their node", () =>
    Effect.gen(function* () {
      const seen = yield* checkpoints(250, 10, (redis, i) =>
        redis.xadd("s", [["n", "x"]], { id: `${i}-0`, trim: { maxLen: i <= 200 ? 150 : 50, approximate: i > 200 } })
      )
      expect(seen.slice(14)).toEqual([
        [150, 150, "1-0"],
        [160, 150, "11-0"],
        [170, 150, "21-0"],
        [180, 150, "31-0"],
        [190, 150, "41-0"],
        [200, 150, "51-0"],
        [210, 110, "101-0"],
        [220, 120, "101-0"],
        [230, 130, "101-0"],
        [240, 140, "101-0"],
        [250, 50, "201-0"]
      ])
    })
  )

  it.effect("approximate trimming removes at most 10000 entries per add", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const batch = Array.from({ length: 1_000 }, (): RedisClient.FieldsInput => [["n", "x"]])
      for (let i = 0; i < 25; i++) yield* redis.xaddAll("s", batch)
      const lengths: Array<number> = []
      for (const approximate of [true, true, true, false]) {
        yield* redis.xadd("s", [["n", "y"]], { trim: { maxLen: 10, approximate } })
        lengths.push(yield* redis.xlen("s"))
      }
      expect(lengths).toEqual([15_001, 5_002, 103, 10])
    })
  )

  it.effect("a stream trimmed or emptied by XDEL still exists", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xadd("s", [["n", "x"]], { id: "1-0" })
      yield* redis.xadd("s", [["n", "x"]], { id: "2-0", trim: { maxLen: 0, approximate: false } })
      expect(yield* redis.xlen("s")).toBe(0)
      expect(yield* redis.exists(["s"])).toBe(1)
      expect(ids(yield* redis.xrange("s", "-", "+"))).toEqual([])
      expect((yield* redis.xinfoStream("s")).lastGeneratedId).toBe("2-0")
    })
  )
})
