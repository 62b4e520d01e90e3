/**
 * The facts a result needs beside it: machine, Node, Redis, package versions,
 * the commit measured, and how busy the machine was.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * What the results file says about where it was measured.
 *
 * @since 0.1.0
 * @category models
 */
export interface MachineFacts {
  readonly cpus: string
  readonly memory: string
  readonly os: string
  readonly node: string
  readonly packages: ReadonlyArray<readonly [name: string, version: string]>
  readonly commit: string
  /** 1-minute load average when the run started. */
  readonly loadAtStart: number
}

/** The packages whose versions matter to the numbers. */
const measuredPackages = [
  "@effect-pulse/core",
  "@effect-pulse/redis-layer",
  "effect",
  "ioredis",
  "bullmq",
  "redis",
  "@effect/platform-node"
]

/** Where `name` resolves from here: through ESM resolution where the runtime has it, else `require`'s. */
const entryOf = (name: string): string => {
  try {
    return fileURLToPath(import.meta.resolve(name))
  } catch {
    return createRequire(import.meta.url).resolve(name)
  }
}

/** The version of an installed package, found by walking up from its resolved entry. */
const versionOf = (name: string): string => {
  try {
    let dir = dirname(entryOf(name))
    while (dir !== dirname(dir)) {
      const file = join(dir, "package.json")
      if (existsSync(file)) {
        const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string }
        if (manifest.name === name) return manifest.version ?? "?"
      }
      dir = dirname(dir)
    }
  } catch {
    // not resolvable from here
  }
  return "not installed"
}

const gitCommit = (): string => {
  try {
    const options = { encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as Array<"ignore" | "pipe"> }
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], options).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], options).trim() !== ""
    return dirty ? `${head} (with uncommitted changes)` : head
  } catch {
    return "unknown"
  }
}

/**
 * The facts of this machine and process now.
 *
 * @since 0.1.0
 * @category constructors
 */
export const machineFacts = (): MachineFacts => {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? "unknown CPU"
  return {
    cpus: `${cpus.length} × ${model}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    packages: measuredPackages.map((name) => [name, versionOf(name)] as const),
    commit: gitCommit(),
    loadAtStart: os.loadavg()[0]!
  }
}

/**
 * The 1-minute load average now.
 *
 * @since 0.1.0
 * @category utils
 */
export const loadNow = (): number => os.loadavg()[0]!
