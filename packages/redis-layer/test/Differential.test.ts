/**
 * Differential tests: random command sequences run on `InMemoryRedis` and on
 * a real Redis (a private `redis-server`, flushed before each sequence), and
 * every reply and every error must be the same. See `differential/` for the
 * command model and how replies are compared.
 *
 * A failure prints the sequence, shrunk, with what real Redis answered at
 * each step, and a replay string: `DIFFERENTIAL_REPLAY='<replay>' pnpm exec
 * vitest run --project redis-layer test/Differential.test.ts -t '<property>'`
 * runs that sequence again. `DIFFERENTIAL_RUNS=5000` runs more sequences,
 * to hunt for rarer differences.
 */
import { layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import type { Command } from "./differential/commands.js"
import { sequence } from "./differential/commands.js"
import { compareOnBoth } from "./differential/compare.js"
import { groupSequence, scriptSequence, trimmingSequence } from "./differential/focused.js"
import { regressions } from "./differential/regressions.js"

/**
 * A property's settings: `runs` sequences (unless `DIFFERENTIAL_RUNS` says
 * otherwise), of lengths up to `size` (generated lists grow with it).
 */
const check = (runs: number, size: number) => ({
  timeout: 120_000,
  arbitrary: {
    runs: Number(process.env.DIFFERENTIAL_RUNS ?? runs),
    size,
    replay: process.env.DIFFERENTIAL_REPLAY
  }
})

/** Runs `commands` on a fresh in-memory Redis and on the flushed test server. */
const onBoth = (commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    const real = yield* RedisClient.RedisClient
    yield* Effect.orDie(server.flushAll)
    const memory = yield* InMemoryRedis.make
    yield* compareOnBoth(memory, real, commands)
  })

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("InMemoryRedis against real Redis", (it) => {
  it.effect.prop(
    "random command sequences get the same replies and errors",
    { commands: sequence },
    ({ commands }) => onBoth(commands),
    check(300, 60)
  )

  it.effect.prop(
    "approximate trimming keeps the same entries, whatever the sizes of the entries",
    { commands: trimmingSequence },
    ({ commands }) => onBoth(commands),
    check(150, 40)
  )

  it.effect.prop(
    "consumer group sequences get the same replies and errors",
    { commands: groupSequence },
    ({ commands }) => onBoth(commands),
    check(200, 60)
  )

  it.effect.prop(
    "Go Pulse's Lua scripts get the same replies, errors and writes",
    { commands: scriptSequence },
    ({ commands }) => onBoth(commands),
    check(150, 40)
  )

  for (const [name, commands] of regressions) {
    it.effect(name, () => onBoth(commands))
  }
})
