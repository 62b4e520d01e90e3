/**
 * `pnpm check:consumer`: what a user outside this repository gets. Packs
 * `@effect-pulse/core` and `@effect-pulse/redis-layer`, installs the tarballs
 * with npm into a fresh project under the system's temporary directory,
 * type-checks the README's quick start there (`nodenext`, `strict`,
 * `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`) and runs it on
 * the in-memory Redis and against a redis-server started through the
 * installed `@effect-pulse/redis-layer/testing`. Fails on any npm warning
 * (a missing or conflicting peer dependency), on output other than the quick
 * start's, and on a test tool exported from a production entry point.
 *
 * npm needs only the registry (or its cache: `--prefer-offline`).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { readRegions } from "./docs/readme.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const started = performance.now()
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** Runs a command and returns its stdout; fails with its output when it fails, or when `quiet` and it wrote to stderr. */
const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly quiet?: boolean }
): string => {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? baseEnv,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  const failed = result.error !== undefined || result.status !== 0 || (options.quiet === true && result.stderr !== "")
  if (failed) {
    const output = `${result.error?.message ?? ""}${result.stdout ?? ""}${result.stderr ?? ""}`
    throw new Error(`${command} ${args.join(" ")} failed in ${options.cwd}:\n${output}`)
  }
  return result.stdout
}

const step = (what: string, action: () => void) => {
  const since = performance.now()
  action()
  console.log(`consumer check: ${what} (${seconds(since)})`)
}

// npm and pnpm start `node` from PATH: make it this Node (24 under pnpm), as the packages want Node 22+.
// pnpm's own npm_config_* settings are not a user's: npm would warn about them.
const baseEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name))),
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`
}
const tsc = path.join(root, "node_modules/typescript/bin/tsc")
const project = fs.mkdtempSync(path.join(os.tmpdir(), "effect-pulse-consumer-"))
const packages = ["core", "redis-layer"]

try {
  step("built the packages", () =>
    run(process.execPath, [tsc, "-b", ...packages.map((name) => `packages/${name}/tsconfig.src.json`)], { cwd: root })
  )

  const tarballs: Array<string> = []
  step("packed them", () => {
    for (const name of packages) {
      const output = run("pnpm", ["pack", "--pack-destination", project], { cwd: path.join(root, "packages", name) })
      tarballs.push(path.join(project, path.basename(output.trim().split("\n").pop()!)))
    }
  })

  // The versions the workspace uses: in npm's cache already, and known to work.
  const versionOf = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version as string
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "effect-pulse-consumer", private: true, type: "module" }, null, 2)
  )
  let added = ""
  step("installed the tarballs with npm", () => {
    const output = run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        `effect@${versionOf("effect")}`,
        `@types/node@${versionOf("@types/node")}`,
        ...tarballs
      ],
      // npm writes its warnings (peer dependencies, engines, deprecations) to stderr: they are errors here.
      { cwd: project, env: { ...baseEnv, npm_config_loglevel: "warn" }, quiet: true }
    )
    added = output.trim()
  })
  console.log(`consumer check: npm: ${added}`)

  // The README's quick start, as it is shown.
  const quickStart = readRegions(root).get("quick-start")
  if (quickStart === undefined) throw new Error("no example file has the region quick-start")
  fs.mkdirSync(path.join(project, "src"))
  fs.writeFileSync(path.join(project, "src/main.ts"), `${quickStart.code}\n`)
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2023",
          // skipLibCheck stays off so that the packages' declarations are checked too;
          // effect's declarations name WebCrypto's CryptoKey, which only DOM declares.
          lib: ["ES2023", "DOM"],
          module: "nodenext",
          moduleResolution: "nodenext",
          types: ["node"],
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          verbatimModuleSyntax: true,
          rootDir: "src",
          outDir: "dist"
        },
        include: ["src"]
      },
      null,
      2
    )
  )
  step("type-checked and compiled the quick start (nodenext, strict)", () =>
    run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project })
  )

  const expected = ['billing got created: {"id":1}', 'billing got created: {"id":2}']
  const expectOutput = (where: string, output: string) => {
    const lines = output.trim().split("\n")
    if (JSON.stringify(lines) !== JSON.stringify(expected)) {
      throw new Error(`the quick start on ${where} printed:\n${output}\nexpected:\n${expected.join("\n")}`)
    }
  }

  const { REDIS_URL: _unset, ...withoutRedis } = baseEnv
  step("ran it on InMemoryRedis", () =>
    expectOutput("InMemoryRedis", run(process.execPath, ["dist/main.js"], { cwd: project, env: withoutRedis }))
  )

  // A redis-server of its own, through the installed testing entry.
  fs.writeFileSync(
    path.join(project, "on-redis.mjs"),
    `import { execFileSync } from "node:child_process"
import { Effect } from "effect"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"

const program = Effect.gen(function* () {
  const server = yield* RedisTestServer.make({ allowExternal: false })
  const env = { ...process.env, REDIS_URL: server.url }
  process.stdout.write(execFileSync(process.execPath, ["dist/main.js"], { env, encoding: "utf8" }))
})
await Effect.runPromise(Effect.scoped(program))
`
  )
  step("ran it on a redis-server", () =>
    expectOutput("a redis-server", run(process.execPath, ["on-redis.mjs"], { cwd: project, env: withoutRedis }))
  )

  // Test tools never ship in a production entry point.
  step("checked the entry points", () => {
    const check = `
const entries = {
  "@effect-pulse/core": await import("@effect-pulse/core"),
  "@effect-pulse/core/testing": await import("@effect-pulse/core/testing"),
  "@effect-pulse/redis-layer": await import("@effect-pulse/redis-layer"),
  "@effect-pulse/redis-layer/testing": await import("@effect-pulse/redis-layer/testing")
}
const expected = [
  ["@effect-pulse/core", "InMemoryRedis", false],
  ["@effect-pulse/core/testing", "InMemoryRedis", true],
  ["@effect-pulse/redis-layer", "RedisTestServer", false],
  ["@effect-pulse/redis-layer/testing", "RedisTestServer", true]
]
const wrong = expected.filter(([entry, name, present]) => (name in entries[entry]) !== present)
if (wrong.length > 0) throw new Error(wrong.map(([entry, name, present]) => entry + (present ? " lacks " : " exports ") + name).join("; "))
`
    run(process.execPath, ["--input-type=module", "-e", check], { cwd: project })
  })

  console.log(`consumer check: passed in ${seconds(started)} (${project} removed)`)
} finally {
  fs.rmSync(project, { recursive: true, force: true })
}
