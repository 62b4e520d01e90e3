/**
 * The harness of the interop tests: runs the real Go Pulse (the `gopulse`
 * driver, see `../shared/tools/gopulse/README.md`) and effect-pulse worker
 * processes against a test's own redis-server, collects what each side
 * handled, and reports produced / handled / lost / duplicated.
 *
 * The tests run only when `GOPULSE` names the driver (`.ci/run` sets it when
 * `../shared/tools/gopulse/gopulse` exists). Without it they register one
 * test whose name says that they did not run and why.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { accessSync, constants } from "node:fs"
import { isAbsolute, resolve } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { it } from "@effect/vitest"
import type { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Deferred, Duration, Effect, type Scope } from "effect"
import { eventually } from "../utils/redisLayers.js"

/** Where the driver is, or why the interop tests cannot run. */
const locate = (): { readonly path: string } | { readonly reason: string } => {
  const named = process.env.GOPULSE
  if (named === undefined || named.trim() === "") {
    return { reason: "GOPULSE is not set (.ci/run sets it when ../shared/tools/gopulse/gopulse exists)" }
  }
  // Relative paths are taken from the repository root, where .ci/run and pnpm run.
  const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url))
  const path = isAbsolute(named) ? named : resolve(repositoryRoot, named)
  return { path }
}

const located = locate()

/**
 * Registers the interop suite when the driver is there; otherwise one test
 * that says the suite did not run, and why. A `GOPULSE` that names no
 * executable file is a failure, not a reason to skip.
 */
export const describeWithGoPulse = (name: string, suite: (driver: string) => void): void => {
  if ("reason" in located) {
    it(`${name}: NOT RUN, ${located.reason}`, () => {
      console.warn(`interop tests not run: ${located.reason}`)
    })
    return
  }
  try {
    accessSync(located.path, constants.X_OK)
  } catch (error) {
    // Registered as a failure, not a skip: GOPULSE says the driver is there.
    it(`${name}: GOPULSE names an executable gopulse driver`, () => {
      throw error
    })
    return
  }
  suite(located.path)
}

/** An event as the driver prints it (one JSON line). */
export interface GoEvent {
  readonly who: "go"
  readonly id: string
  readonly stream: string
  readonly sink?: string
  readonly name: string
  readonly topic?: string
  readonly payloadHex: string
  readonly created: string
}

/** A child process and the lines it printed so far. */
export interface Child {
  readonly process: ChildProcess
  readonly lines: Array<string>
  readonly errors: Array<string>
  /** Completes with the exit code (or the signal's name) when the process ends. */
  readonly exited: Deferred.Deferred<number | string>
}

/** Starts a process, killed (SIGKILL) when the scope closes if still running. */
export const startChild = (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.gen(function* () {
    const exited = yield* Deferred.make<number | string>()
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    const started: Child = { process: child, lines: [], errors: [], exited }
    createInterface({ input: child.stdout! }).on("line", (line) => started.lines.push(line))
    createInterface({ input: child.stderr! }).on("line", (line) => started.errors.push(line))
    child.on("exit", (code, signal) => Deferred.doneUnsafe(exited, Effect.succeed(code ?? signal ?? "unknown")))
    child.on("error", (error) => Deferred.doneUnsafe(exited, Effect.die(error)))
    yield* Effect.addFinalizer(() => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL")))
    return started
  })

/** Runs the driver with the test server's address. */
export const startGo = (driver: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    return yield* startChild(driver, args, { REDIS_ADDR: `${server.host}:${server.port}`, ...env })
  })

/** The events a driver printed so far. */
export const goEvents = (child: Child): ReadonlyArray<GoEvent> =>
  child.lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as GoEvent)

/** The IDs of the events a driver printed so far. */
export const goIds = (child: Child): ReadonlyArray<string> => goEvents(child).map((event) => event.id)

/** `count` events to add, named `job`, with payloads `<tag><i>`. */
export const jobs = (count: number, tag = "") =>
  Array.from({ length: count }, (_, i) => ({ name: "job", payload: `${tag}${i}` }))

/** Waits until every produced ID was handled by one of the sides (read again at each try). */
export const untilAllHandled = (
  produced: ReadonlyArray<string>,
  sides: () => ReadonlyArray<string>,
  within: Duration.Input = "30 seconds"
) =>
  eventually(
    Effect.sync(() => {
      const handled = new Set(sides())
      return produced.filter((id) => !handled.has(id)).length
    }),
    (missing) => missing === 0,
    within
  )

/** Waits until a driver's sink consumer is ready (it says so on stderr). */
export const goSinkReady = (child: Child) =>
  eventually(
    Effect.sync(() => child.errors.some((line) => line.includes("go sink consumer ready"))),
    (ready) => ready,
    "20 seconds"
  )

/** Waits for a process to end; its exit code (or signal), failing the test after `within`. */
export const exitOf = (child: Child, within: Duration.Input = "30 seconds") =>
  Deferred.await(child.exited).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () =>
        Effect.die(
          new Error(
            `process did not end within ${Duration.format(Duration.fromInputUnsafe(within))}; stderr:\n${child.errors.join("\n")}`
          )
        )
    })
  )

const workerScript = fileURLToPath(new URL("../fixtures/sinkWorker.ts", import.meta.url))
const tsconfig = fileURLToPath(new URL("../../tsconfig.test.json", import.meta.url))

/**
 * Runs an effect-pulse sink consumer in its own process (the crash test's
 * worker), so that it can be killed with SIGKILL. `hold` makes it print
 * `held <id>` for each event and never ack.
 */
export const startWorker = (options: {
  readonly stream: string
  readonly sink: string
  readonly graceMillis: number
  readonly hold: boolean
}) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    const worker = yield* startChild(process.execPath, ["--import", "tsx", workerScript], {
      REDIS_URL: server.url,
      STREAM: options.stream,
      SINK: options.sink,
      GRACE_MILLIS: String(options.graceMillis),
      HOLD: options.hold ? "1" : "",
      TSX_TSCONFIG_PATH: tsconfig
    })
    yield* eventually(
      Effect.sync(() => worker.lines.some((line) => line.startsWith("ready "))),
      (ready) => ready,
      "30 seconds"
    )
    return worker
  })

/** The IDs a worker printed with `prefix` (`handled` or `held`). */
export const workerIds = (worker: Child, prefix: "handled" | "held"): ReadonlyArray<string> =>
  worker.lines.filter((line) => line.startsWith(`${prefix} `)).map((line) => line.slice(prefix.length + 1))

/** A section of the test server's `INFO`, as text. */
const serverInfo = (section: string) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    return yield* Effect.callback<string>((resume) => {
      execFile("redis-cli", ["-h", server.host, "-p", String(server.port), "INFO", section], (error, stdout) =>
        resume(error ? Effect.die(error) : Effect.succeed(stdout))
      )
    })
  })

const infoNumber = (info: string, pattern: string): number => {
  const match = new RegExp(`^${pattern}`, "m").exec(info)
  return match === null ? 0 : Number(match[1])
}

/**
 * How many times the test server ran a command (`INFO commandstats`, which
 * counts the commands scripts run too), e.g. `xgroup|delconsumer`.
 */
export const commandCalls = (command: string) =>
  Effect.map(serverInfo("commandstats"), (info) =>
    infoNumber(info, `cmdstat_${command.replace("|", "\\|")}:calls=(\\d+)`)
  )

/** How many scripts the test server has cached (one per distinct script text). */
export const cachedScripts = Effect.map(serverInfo("memory"), (info) =>
  infoNumber(info, "number_of_cached_scripts:(\\d+)")
)

/** What a scenario ended with. */
export interface Tally {
  readonly produced: number
  readonly handled: number
  readonly lost: number
  readonly duplicated: number
}

/**
 * Counts, over the IDs produced, those handled by nobody (lost) and the
 * extra handlings (duplicated); prints one line for the test log.
 */
export const tally = (
  scenario: string,
  produced: ReadonlyArray<string>,
  handledBy: Record<string, ReadonlyArray<string>>
): Tally => {
  const handled = Object.values(handledBy).flat()
  const seen = new Set(handled)
  const lost = produced.filter((id) => !seen.has(id)).length
  const result = { produced: produced.length, handled: handled.length, lost, duplicated: handled.length - seen.size }
  const sides = Object.entries(handledBy)
    .map(([side, ids]) => `${side} ${ids.length}`)
    .join(", ")
  console.log(
    `interop [${scenario}] produced ${result.produced}, handled ${result.handled} (${sides}), lost ${lost}, duplicated ${result.duplicated}`
  )
  return result
}

export type Requirements = RedisClient.RedisClient | RedisTestServer.RedisTestServer | Scope.Scope

/** A scenario on its own server, with the live clock. */
export const scenario =
  (name: string, body: (driver: string) => Effect.Effect<void, unknown, Requirements>) => (driver: string) =>
    it.live(name, () => body(driver).pipe(Effect.scoped, Effect.provide(RedisTestServer.layerClientOwned)), 90_000)
