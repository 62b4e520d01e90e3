/**
 * Runs the cases of a plan against one server, in rounds: round `r` runs
 * every case that has an `r`-th run, one after the other, so that the
 * implementations compared in a table see the same machine conditions (the
 * machine may be shared) rather than one getting all the quiet minutes.
 * Even rounds run the cases in reverse order (pulse, peer | peer, pulse |
 * ...), so that a drift in the machine's load favours neither side of a
 * ratio, which is taken round by round. Redis is flushed before each
 * measurement.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Cause, Effect, Exit } from "effect"
import { runJob } from "./jobs/index.js"
import type { Job, JobResult } from "./jobs/types.js"
import type { Case } from "./plan.js"
import { resultPrefix } from "./protocol.js"
import { resetServer, type ServerWork, serverWork } from "./server.js"

/**
 * Where a measurement runs: a fresh Node process on the built code
 * (`process`, what `pnpm bench` does) or the current process (`inProcess`,
 * for the smoke test on sources).
 *
 * @since 0.1.0
 * @category models
 */
export type Executor = "process" | "inProcess"

/**
 * The outcome of a case: one result per run, and the errors of failed runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface CaseOutcome {
  readonly case: Case
  readonly results: ReadonlyArray<JobResult>
  /** The round (from 1) of each result, for pairing runs of one round. */
  readonly rounds: ReadonlyArray<number>
  readonly errors: ReadonlyArray<string>
  /** What Redis did in each successful run (warm-up included). */
  readonly server: ReadonlyArray<ServerWork>
}

/** How long one measurement may take before it counts as failed. */
const jobTimeoutMillis = 300_000

const inProcess = (job: Job, url: string): Effect.Effect<JobResult, string> =>
  Effect.exit(runJob(job, url)).pipe(
    Effect.flatMap((exit) =>
      Exit.isSuccess(exit) ? Effect.succeed(exit.value) : Effect.fail(Cause.pretty(exit.cause))
    )
  )

const inChildProcess = (job: Job, url: string, nodeOptions: ReadonlyArray<string>): Effect.Effect<JobResult, string> =>
  Effect.callback<JobResult, string>((resume) => {
    const worker = fileURLToPath(new URL("./worker.js", import.meta.url))
    const child = spawn(process.execPath, [...nodeOptions, worker, JSON.stringify({ job, url })], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), jobTimeoutMillis)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split("\n").find((candidate) => candidate.startsWith(resultPrefix))
      if (line !== undefined) return resume(Effect.succeed(JSON.parse(line.slice(resultPrefix.length)) as JobResult))
      resume(Effect.fail(`worker exited (${signal ?? `code ${code}`}) without a result: ${stderr.trim()}`))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/**
 * Runs `cases` against the server at `url`; `onResult` hears of each run as
 * it completes (for progress lines).
 *
 * @since 0.1.0
 * @category running
 */
export const runCases = (
  cases: ReadonlyArray<Case>,
  options: {
    readonly url: string
    readonly executor: Executor
    /** Extra `node` flags for worker processes, e.g. `--cpu-prof`. */
    readonly nodeOptions?: ReadonlyArray<string> | undefined
    readonly onResult?: ((found: Case, run: number, result: JobResult | string) => Effect.Effect<void>) | undefined
  }
): Effect.Effect<Array<CaseOutcome>, Error> =>
  Effect.gen(function* () {
    const outcomes = new Map(
      cases.map((found) => [
        found.id,
        {
          results: [] as Array<JobResult>,
          rounds: [] as Array<number>,
          errors: [] as Array<string>,
          server: [] as Array<ServerWork>
        }
      ])
    )
    const rounds = Math.max(0, ...cases.map((found) => found.runs))
    for (let round = 1; round <= rounds; round++) {
      for (const found of round % 2 === 1 ? cases : [...cases].reverse()) {
        if (found.runs < round) continue
        const cpuBefore = yield* resetServer(options.url)
        const run =
          options.executor === "process"
            ? inChildProcess(found.job, options.url, options.nodeOptions ?? [])
            : inProcess(found.job, options.url)
        const outcome = yield* Effect.result(run)
        const slot = outcomes.get(found.id)!
        if (outcome._tag === "Success") {
          slot.results.push(outcome.success)
          slot.rounds.push(round)
          slot.server.push(yield* serverWork(options.url, cpuBefore))
        } else slot.errors.push(outcome.failure)
        if (options.onResult) {
          yield* options.onResult(found, round, outcome._tag === "Success" ? outcome.success : outcome.failure)
        }
      }
    }
    return cases.map((found) => ({ case: found, ...outcomes.get(found.id)! }))
  })
