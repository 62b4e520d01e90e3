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
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { describe, docProblems, type Figures, writeDoc, writeFiguresFile } from "./faults/figures.js"
import { runScenario, type Scenario } from "./faults/run.js"
import { knownFailing, scenarios, withoutServer } from "./faults/scenarios.js"

const soak = process.env.PULSE_SOAK === "1"
const events = soak ? 20_000 : 2000
const pauseMillis = soak ? 10_000 : 1000
const suite = scenarios(pauseMillis)
const measured: Array<Figures> = []

/** Runs one scenario and asserts nothing Redis still holds was lost; the figures are kept for the document. */
const check = <R>(scenario: Scenario<R>, layerName: string) =>
  Effect.gen(function* () {
    const figures = yield* runScenario(scenario, { events, settleMillis: soak ? 120_000 : 20_000 })
    if (layerName === "Redis") measured.push(figures)
    console.log(`faults [${layerName}]: ${describe(figures)}`)
    if (!scenario.redisDropsEvents) expect(figures.droppedByRedis).toBe(0)
    expect(figures.readerLost).toBe(0)
    // A scenario known to fail may lose events in the sink, and end sink
    // consumers in its known way only.
    const known = knownFailing.get(scenario.name)
    expect(figures.failures.filter((failure) => failure !== known?.failure)).toEqual([])
    if (known === undefined) expect(figures.sinkLost).toBe(0)
  })

const title = (scenario: Scenario<unknown>) => `${scenario.name}: nothing Redis holds is lost`
const timeout = soak ? "300 seconds" : "60 seconds"

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true, timeout })("Fault suite [Redis]", (it) => {
  for (const scenario of suite) {
    it.effect(title(scenario), () =>
      Effect.andThen(
        Effect.orDie(RedisTestServer.RedisTestServer.use((server) => server.flushAll)),
        check(scenario, "Redis")
      )
    )
  }

  it.effect("docs/reliability.md shows the suite's rows and claims", () =>
    Effect.sync(() => {
      const redisVersion = /v=(\S+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))?.[1] ?? "?"
      const settings = { soak, events, pauseMillis, redisVersion }
      writeFiguresFile(measured, settings)
      if (process.env.PULSE_FAULTS_WRITE_DOCS === "1") writeDoc(measured, settings, knownFailing)
      expect(docProblems(suite, knownFailing)).toEqual([])
    })
  )
})

// The same programs on the in-memory Redis, for the faults it can take.
layer(InMemoryRedis.layer, { excludeTestServices: true, timeout })("Fault suite [InMemoryRedis]", (it) => {
  for (const scenario of withoutServer(suite)) {
    it.effect(title(scenario), () => check(scenario, "InMemoryRedis"))
  }
})
