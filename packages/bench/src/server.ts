/**
 * The Redis a benchmark run owns: a `redis-server` child process on a free
 * loopback port, without persistence (`--save "" --appendonly no`), stopped
 * when the scope closes. The shared Redis on port 6379 is never touched.
 *
 * The benchmark starts its own process rather than going through
 * `RedisTestServer` so that the server is always a local process (never a
 * container with its network in between) and its flags are the ones stated
 * in the results.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { Redis } from "ioredis"

/**
 * A running benchmark server.
 *
 * @since 0.1.0
 * @category models
 */
export interface BenchServer {
  readonly host: string
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** `redis_version` from `INFO server`. */
  readonly version: string
  /** The flags it was started with, for the results file. */
  readonly flags: ReadonlyArray<string>
}

const host = "127.0.0.1"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on("error", reject)
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Waits until the server answers `INFO server` and returns its version. */
const waitForVersion = async (port: number, child: ChildProcess): Promise<string> => {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on("error", () => {})
    try {
      await client.connect()
      const info = await client.info("server")
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "unknown"
      if (info.includes(`process_id:${child.pid}\r\n`)) return version
    } catch {
      // not up yet
    } finally {
      client.disconnect()
    }
    await sleep(50)
  }
  throw new Error("redis-server did not answer within 10 s")
}

/**
 * Starts `redis-server` for the current scope; killed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startServer: Effect.Effect<BenchServer, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.tryPromise({
    try: async () => {
      const port = await freePort()
      const dir = mkdtempSync(join(tmpdir(), "pulse-bench-redis-"))
      const flags = ["--save", '""', "--appendonly", "no"]
      const args = ["--port", String(port), "--bind", host, "--save", "", "--appendonly", "no", "--dir", dir]
      const child = spawn("redis-server", args, { stdio: "ignore" })
      const killed = () => child.kill("SIGKILL")
      process.once("exit", killed)
      const cleanup = () => {
        process.off("exit", killed)
        child.kill("SIGKILL")
        rmSync(dir, { recursive: true, force: true })
      }
      const spawnError = new Promise<never>((_, reject) => child.once("error", reject))
      try {
        const version = await Promise.race([waitForVersion(port, child), spawnError])
        const server: BenchServer = { host, port, url: `redis://${host}:${port}`, version, flags }
        return { server, cleanup }
      } catch (error) {
        cleanup()
        throw error
      }
    },
    catch: (error) => new Error(`could not start redis-server: ${error instanceof Error ? error.message : error}`)
  }),
  ({ cleanup }) => Effect.sync(cleanup)
).pipe(Effect.map(({ server }) => server))

/**
 * What Redis did during a measurement: calls of each command (including
 * those scripts made), from `INFO commandstats`, and the CPU time the server
 * used (`used_cpu_user` + `used_cpu_sys`: parsing, networking and commands).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerWork {
  readonly calls: Readonly<Record<string, number>>
  readonly cpuMicros: number
}

const cpuSecondsOf = (info: string): number =>
  Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0)

const withClient = <A>(url: string, what: string, use: (client: Redis) => Promise<A>): Effect.Effect<A, Error> =>
  Effect.tryPromise({
    try: async () => {
      const client = new Redis(url, { maxRetriesPerRequest: 0 })
      try {
        return await use(client)
      } finally {
        client.disconnect()
      }
    },
    catch: (error) => new Error(`${what} failed: ${error}`)
  })

/**
 * Empties the server and resets its command statistics before a
 * measurement (`FLUSHALL`, `CONFIG RESETSTAT`); returns the server's CPU
 * seconds so far, for {@link serverWork}.
 *
 * @since 0.1.0
 * @category utils
 */
export const resetServer = (url: string): Effect.Effect<number, Error> =>
  withClient(url, "FLUSHALL", async (client) => {
    await client.flushall()
    await client.config("RESETSTAT")
    return cpuSecondsOf(await client.info("cpu"))
  })

/**
 * What the server did since {@link resetServer} answered `cpuBefore`.
 *
 * @since 0.1.0
 * @category utils
 */
export const serverWork = (url: string, cpuBefore: number): Effect.Effect<ServerWork, Error> =>
  withClient(url, "INFO", async (client) => {
    const info = await client.info("commandstats")
    const cpuAfter = cpuSecondsOf(await client.info("cpu"))
    const calls: Record<string, number> = {}
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (match[1] !== "info" && match[1] !== "config|resetstat") calls[match[1]!] = Number(match[2])
    }
    return { calls, cpuMicros: Math.round((cpuAfter - cpuBefore) * 1e6) }
  })
