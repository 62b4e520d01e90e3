/**
 * The fault suite: each scenario runs producers, three consumers of one sink
 * (`process`) and a reader against a redis-server the harness owns, strikes
 * it with a fault once a quarter of the events are in, and asserts that
 * nothing Redis still holds is lost. Each prints produced / dropped by Redis
 * / handled / lost / duplicated / recovery time; the figures go to
 * `test-results/faults.json` and the table of `docs/reliability.md`, which
 * this suite checks (or rewrites, with `PULSE_FAULTS_WRITE_DOCS=1`).
 *
 * `PULSE_SOAK=1` runs 20,000 events per scenario and a 10 s pause instead of
 * 2,000 events and a 1 s pause.
 */
import { execFileSync } from "node:child_process"
import { expect, layer } from "@effect/vitest"
import { RedisTestServer } from "@effect-pulse/redis-layer"
import { Effect } from "effect"
import { describe, docProblems, type Figures, writeDoc, writeFiguresFile } from "./faults/figures.js"
import { runScenario } from "./faults/run.js"
import { knownFailing, scenarios } from "./faults/scenarios.js"

const soak = process.env.PULSE_SOAK === "1"
const events = soak ? 20_000 : 2000
const pauseMillis = soak ? 10_000 : 1000
const suite = scenarios(pauseMillis)
const measured: Array<Figures> = []

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true, timeout: soak ? "300 seconds" : "60 seconds" })(
  "Fault suite [Redis]",
  (it) => {
    for (const scenario of suite) {
      const test = knownFailing.has(scenario.name) ? it.effect.fails : it.effect
      test(`${scenario.name}: nothing Redis holds is lost`, () =>
        Effect.gen(function* () {
          yield* Effect.orDie(RedisTestServer.RedisTestServer.use((server) => server.flushAll))
          const figures = yield* runScenario(scenario, { events, settleMillis: soak ? 120_000 : 20_000 })
          measured.push(figures)
          console.log(`faults: ${describe(figures)}`)
          expect(figures.failures).toEqual([])
          expect({ sinkLost: figures.sinkLost, readerLost: figures.readerLost }).toEqual({ sinkLost: 0, readerLost: 0 })
          if (!scenario.redisDropsEvents) expect(figures.droppedByRedis).toBe(0)
        }))
    }

    it.effect("docs/reliability.md shows the suite's rows and claims", () =>
      Effect.sync(() => {
        const redisVersion =
          /v=(\S+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))?.[1] ?? "?"
        const settings = { events, pauseMillis, redisVersion }
        writeFiguresFile(measured, settings)
        if (process.env.PULSE_FAULTS_WRITE_DOCS === "1") writeDoc(measured, settings, knownFailing)
        expect(docProblems(suite, knownFailing)).toEqual([])
      })
    )
  }
)
