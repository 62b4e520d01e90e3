/**
 * A `redis-server` child process on a free loopback port, without
 * persistence, for tests.
 *
 * @internal
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ConnectionOptions } from "node:tls"
import { type Controller, messageOf, shutdownSaving } from "./controller.js"
import { rawCommand, waitFor } from "./rawCommand.js"

const host = "127.0.0.1"
const startTimeoutMillis = 10_000
const signalTimeoutMillis = 5_000

const notFoundMessage = "redis-server was not found on PATH"

/**
 * Every server started by this process, shared by all copies of this module
 * (a test runner may load it once per test file), so that one `exit` hook
 * kills whatever a crashed or forgetful test left running.
 */
const registry: Set<ChildProcess> = (() => {
  const key = Symbol.for("@effect-pulse/redis-layer/RedisTestServer/processes")
  const holder = globalThis as { [key]?: Set<ChildProcess> }
  let children = holder[key]
  if (children === undefined) {
    const created = new Set<ChildProcess>()
    children = created
    holder[key] = created
    process.once("exit", () => {
      for (const child of created) child.kill("SIGKILL")
    })
  }
  return children
})()

/** A port nobody listens on right now, found by letting the system pick one. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export const isAlive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

export const exited = (child: ChildProcess, timeoutMillis: number): Promise<void> =>
  new Promise((resolve, reject) => {
    if (!isAlive(child)) return resolve()
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not exit within ${timeoutMillis} ms`)),
      timeoutMillis
    )
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** The state letter of a process in `/proc` (`T` when stopped), or `undefined` where there is no `/proc`. */
const processState = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  } catch {
    return undefined
  }
}

const waitForState = (child: ChildProcess, stopped: boolean): Promise<void> => {
  const pid = child.pid!
  if (!existsSync(`/proc/${pid}/stat`)) return Promise.resolve()
  return waitFor(
    () => Promise.resolve((processState(pid) === "T") === stopped),
    `redis-server did not ${stopped ? "stop" : "continue"}`,
    signalTimeoutMillis
  )
}

/**
 * How to start the server besides the defaults: further `redis-server`
 * arguments, and TLS. With `tls`, the server listens on a TLS port only
 * (`--port 0`), with these files, and the harness probes it over TLS
 * (presenting the client certificate when `authClients`).
 */
export interface ProcessOptions {
  readonly args?: ReadonlyArray<string> | undefined
  readonly tls?:
    | {
        readonly caFile: string
        readonly certFile: string
        readonly keyFile: string
        /** `--tls-auth-clients yes`: clients must present a certificate the CA signed. */
        readonly authClients?: boolean | undefined
        /** The client certificate and key the harness's probes present when `authClients`. */
        readonly clientCertFile?: string | undefined
        readonly clientKeyFile?: string | undefined
      }
    | undefined
}

const serverArgs = (port: number, dir: string, options: ProcessOptions): Array<string> => {
  const base = ["--bind", host, "--save", "", "--appendonly", "no", "--dir", dir]
  const tls = options.tls
  const listen =
    tls === undefined
      ? ["--port", String(port)]
      : [
          "--port",
          "0",
          "--tls-port",
          String(port),
          "--tls-cert-file",
          tls.certFile,
          "--tls-key-file",
          tls.keyFile,
          "--tls-ca-cert-file",
          tls.caFile,
          "--tls-auth-clients",
          tls.authClients === true ? "yes" : "no"
        ]
  return [...listen, ...base, ...(options.args ?? [])]
}

/** How the harness's own probes reach the server: plain TCP, or TLS trusting the server's CA. */
const probeTls = (options: ProcessOptions): ConnectionOptions | undefined => {
  const tls = options.tls
  if (tls === undefined) return undefined
  return {
    ca: readFileSync(tls.caFile),
    servername: "localhost",
    ...(tls.clientCertFile === undefined ? {} : { cert: readFileSync(tls.clientCertFile) }),
    ...(tls.clientKeyFile === undefined ? {} : { key: readFileSync(tls.clientKeyFile) })
  }
}

/**
 * Starts `redis-server` on `port` and resolves once that very process (its
 * `process_id` in `INFO server`, so not some other server that holds the
 * port) answers. Rejects with the server's output when it exits first.
 * `options.args` are further `redis-server` options (a cluster node's).
 */
export const startOn = async (port: number, dir: string, options: ProcessOptions): Promise<ChildProcess> => {
  const args = serverArgs(port, dir, options)
  const probe = probeTls(options)
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] })
  registry.add(child)
  let output = ""
  let failure: string | undefined
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout!.on("data", append)
  child.stderr!.on("data", append)
  child.on("error", (error: NodeJS.ErrnoException) => {
    failure ??= error.code === "ENOENT" ? notFoundMessage : `could not start redis-server: ${error.message}`
  })
  child.on("exit", (code, signal) => {
    registry.delete(child)
    failure ??= `redis-server exited (${signal ?? `code ${code}`}) before answering: ${output.trim()}`
  })
  // Neither the process nor its pipes should keep the test runner alive; the scope or the exit hook ends them.
  child.unref()
  ;(child.stdout as unknown as net.Socket).unref()
  ;(child.stderr as unknown as net.Socket).unref()
  try {
    await waitFor(
      () =>
        rawCommand(host, port, ["INFO", "server"], 1000, probe).then(
          (info) => info.includes(`process_id:${child.pid}\r\n`),
          () => false
        ),
      `redis-server on port ${port} did not answer`,
      startTimeoutMillis,
      () => failure
    )
    return child
  } catch (error) {
    child.kill("SIGKILL")
    throw error
  }
}

/**
 * Starts a server on a free port (trying another port if the chosen one is
 * taken in between) and returns its controller.
 */
export const startProcess = async (options: ProcessOptions = {}): Promise<Controller> => {
  const dir = mkdtempSync(join(tmpdir(), "effect-pulse-redis-"))
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort()
    try {
      child = await startOn(port, dir, options)
    } catch (error) {
      if (attempt >= 5 || !messageOf(error).includes("Address already in use")) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  let current: ChildProcess | undefined = child
  const running = (operation: string): ChildProcess => {
    if (current === undefined || !isAlive(current)) throw new Error(`cannot ${operation}: redis-server is not running`)
    return current
  }
  const command: Controller["command"] = (args) => rawCommand(host, port, args, 2000, probeTls(options))
  const stop = async () => {
    if (current === undefined || !isAlive(current)) return
    current.kill("SIGCONT")
    current.kill("SIGTERM")
    await exited(current, signalTimeoutMillis)
  }
  return {
    kind: "process",
    host,
    port,
    stop,
    kill: async () => {
      if (current === undefined || !isAlive(current)) return
      current.kill("SIGKILL")
      await exited(current, signalTimeoutMillis)
    },
    pause: async () => {
      const child = running("pause")
      child.kill("SIGSTOP")
      await waitForState(child, true)
    },
    resume: async () => {
      const child = running("resume")
      child.kill("SIGCONT")
      await waitForState(child, false)
    },
    restart: async ({ keepData }) => {
      if (keepData && current !== undefined && isAlive(current)) {
        current.kill("SIGCONT")
        await shutdownSaving(command)
        await exited(current, signalTimeoutMillis)
      } else {
        await stop()
        rmSync(join(dir, "dump.rdb"), { force: true })
      }
      current = await startOn(port, dir, options)
    },
    command,
    dispose: async () => {
      if (current !== undefined && isAlive(current)) {
        current.kill("SIGKILL")
        await exited(current, signalTimeoutMillis).catch(() => {})
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
