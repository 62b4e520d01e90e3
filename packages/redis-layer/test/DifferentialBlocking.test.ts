/**
 * Differential tests of blocking reads: each scenario of
 * `differential/blockingScenarios.ts` runs on `InMemoryRedis` and on a real
 * Redis (a private `redis-server`, flushed first), and both must answer
 * every step the same.
 */
import { expect, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { type Target, transcript } from "./differential/blocking.js"
import { scenarios } from "./differential/blockingScenarios.js"
import { blockedClients, eventually, inspector } from "./helpers.js"

/**
 * The in-memory store blocks a read in the same synchronous step that
 * starts it, and `Script.block` starts reads at once: by the time a read
 * has been started, it is blocked.
 */
const inMemory = Effect.map(InMemoryRedis.make, (redis): Target => ({ redis, awaitBlocked: () => Effect.void }))

/** The test server, flushed, with its `blocked_clients` count to wait on. */
const real = Effect.gen(function* () {
  const server = yield* RedisTestServer.RedisTestServer
  yield* Effect.orDie(server.flushAll)
  const side = yield* inspector
  const redis = yield* RedisClient.RedisClient
  return {
    redis,
    awaitBlocked: (count: number) =>
      eventually(
        Effect.map(blockedClients(side), (blocked) => blocked === count),
        `${count} blocked clients`
      )
  } satisfies Target
})

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })(
  "blocking reads: InMemoryRedis against real Redis",
  (it) => {
    for (const [name, scenario] of scenarios) {
      it.effect(name, () =>
        Effect.gen(function* () {
          const memoryTranscript = yield* transcript(yield* inMemory, scenario)
          const realTranscript = yield* transcript(yield* real, scenario)
          expect(memoryTranscript).toEqual(realTranscript)
        })
      )
    }
  }
)
