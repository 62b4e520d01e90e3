/**
 * One benchmark run from start to results file: start Redis, run the plan,
 * render the report. `main.ts` calls it with the command line's options; the
 * smoke test calls it in process with the `smoke` sizes.
 *
 * @since 0.1.0
 */
import { readFile, writeFile } from "node:fs/promises"
import { Console, Effect } from "effect"
import { keepClusterSection } from "./cluster.js"
import type { JobResult } from "./jobs/types.js"
import { loadNow, machineFacts } from "./machine.js"
import { type Case, casesOf, type Mode, makePlan, type ScenarioId, settingsOf } from "./plan.js"
import { renderReport } from "./report.js"
import { type Executor, runCases } from "./runner.js"
import { startServer } from "./server.js"

/**
 * What to run and where to write.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly mode: Mode
  readonly executor: Executor
  /** The results file. */
  readonly out: string
  /** The command shown in the results file. */
  readonly command: string
  readonly only?: ReadonlyArray<ScenarioId> | undefined
  /** Overrides the number of runs per cell. */
  readonly runs?: number | undefined
  readonly nodeOptions?: ReadonlyArray<string> | undefined
  /** Progress lines on stderr. */
  readonly verbose?: boolean | undefined
}

const describe = (result: JobResult | string): string => {
  if (typeof result === "string") return `FAILED ${result.split("\n")[0]}`
  if (result.eventsPerSecond !== undefined)
    return `${Math.round(result.eventsPerSecond).toLocaleString("en-US")} events/s`
  if (result.latency !== undefined) {
    const { p50, p99, max } = result.latency
    return `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms`
  }
  if (result.memory !== undefined) {
    const peak = Math.max(...result.memory.samples.map((sample) => sample.rss))
    return `peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB, backlog ${result.memory.backlog.toLocaleString("en-US")}`
  }
  return result.skipped ?? "?"
}

/**
 * Runs the benchmarks and writes the results file; returns its Markdown.
 *
 * @since 0.1.0
 * @category running
 */
export const runBenchmarks = (options: RunOptions): Effect.Effect<string, Error> =>
  Effect.scoped(
    Effect.gen(function* () {
      const startedAt = new Date()
      const base = settingsOf(options.mode)
      const settings =
        options.runs === undefined
          ? base
          : { ...base, runs: { throughput: options.runs, latency: options.runs, memory: options.runs } }
      const machine = machineFacts()
      const server = yield* startServer
      const rows = makePlan(settings, {
        only: options.only,
        producer: options.executor === "process" ? "process" : "fiber"
      })
      const cases = casesOf(rows)
      const total = cases.reduce((sum, found) => sum + found.runs, 0)
      let done = 0
      const onResult = (found: Case, run: number, result: JobResult | string) =>
        options.verbose
          ? Console.error(
              `[${++done}/${total}] ${found.scenario} · ${found.impl} · ${found.what} (run ${run}): ${describe(result)}`
            )
          : Effect.void
      if (options.verbose)
        yield* Console.error(`redis-server ${server.version} on ${server.url}; ${total} measurements`)
      const outcomes = yield* runCases(cases, {
        url: server.url,
        executor: options.executor,
        nodeOptions: options.nodeOptions,
        onResult
      })
      const rendered = renderReport({
        settings,
        command: options.command,
        machine,
        server,
        rows,
        outcomes,
        executor:
          options.executor === "process"
            ? "each measurement in a fresh Node process on the built code (packages/*/dist)"
            : "in the calling process, on whatever code it loaded",
        startedAt,
        durationMillis: Date.now() - startedAt.getTime(),
        loadAtEnd: loadNow()
      })
      // The cluster section comes from `pnpm bench:cluster`: kept as it is.
      const previous = yield* Effect.promise(() => readFile(options.out, "utf8").catch(() => ""))
      const markdown = keepClusterSection(rendered, previous)
      yield* Effect.tryPromise({
        try: () => writeFile(options.out, markdown),
        catch: (error) => new Error(`could not write ${options.out}: ${error}`)
      })
      return markdown
    })
  )
