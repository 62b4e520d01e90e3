import { describe, expect, it, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, type Layer } from "effect"
import { examples } from "../src/examples.js"
import { conform, expectedOutput } from "./expected.js"
import { capture } from "./utils/capture.js"

// Every example runs on both: the in-memory Redis, and a redis-server the
// harness starts for these tests (never the machine's shared one).
const redisLayers = [
  { name: "InMemoryRedis", layer: InMemoryRedis.layer as Layer.Layer<RedisClient.RedisClient, unknown> },
  { name: "Redis", layer: RedisTestServer.layerClientOwned as Layer.Layer<RedisClient.RedisClient, unknown> }
] as const

/** The jobs a worker-pool line says a worker processed. */
const jobsOf = (line: string | undefined) => line?.match(/job \d/g) ?? []

describe("examples", () => {
  it("each have an expected output, and no output is expected of a missing example", () => {
    expect(Object.keys(expectedOutput)).toEqual(examples.map((example) => example.name))
  })
})

for (const { name: layerName, layer: redisLayer } of redisLayers) {
  layer(redisLayer, { excludeTestServices: true, timeout: "60 seconds" })(`examples [${layerName}]`, (it) => {
    for (const example of examples) {
      it.effect(`${example.name} prints what it does and deletes the keys it wrote`, () =>
        Effect.gen(function* () {
          const run = yield* capture(example.program)
          const expected = expectedOutput[example.name] ?? []
          expect(conform(run.lines, expected)).toEqual(expected)
          expect(run.errorLogs).toEqual([])
          expect(run.keysWritten.length).toBeGreaterThan(0)
          const redis = yield* RedisClient.RedisClient
          expect(yield* redis.exists(run.keysWritten)).toBe(0)
        })
      )
    }

    it.effect("worker-pool: the two surviving workers processed every job between them", () =>
      Effect.gen(function* () {
        const example = examples.find((candidate) => candidate.name === "worker-pool")!
        const { lines } = yield* capture(example.program)
        const jobs = [...jobsOf(lines[1]), ...jobsOf(lines[2])]
        expect(new Set(jobs)).toEqual(new Set(Array.from({ length: 9 }, (_, i) => `job ${i + 1}`)))
      })
    )
  })
}
