import { execFileSync, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, type Scope } from "effect"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

/** Builds the CLI: it is tested as users run it, the built binary in its own process. */
export const build = () =>
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/cli/tsconfig.src.json"], {
    cwd: root,
    stdio: "inherit"
  })

/** A name no other test uses. */
export const unique = (base: string) => `${base}-${crypto.randomUUID().slice(0, 8)}`

/** What a finished run printed, and its exit code. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const environment = (url: string | undefined) =>
  Effect.map(RedisTestServer.RedisTestServer, (server) => ({
    ...process.env,
    REDIS_URL: url ?? server.url,
    NO_COLOR: "1"
  }))

/** Runs `effect-pulse args...` against the test server (or `url`) to its end. */
export const cli = (args: ReadonlyArray<string>, options?: { readonly stdin?: string; readonly url?: string }) =>
  Effect.flatMap(environment(options?.url), (env) =>
    Effect.callback<Run>((resume) => {
      const child = spawn(process.execPath, [bin, ...args], { env })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
      child.stdin.end(options?.stdin ?? "")
      return Effect.sync(() => child.kill())
    })
  )

/**
 * Starts `effect-pulse dashboard args...` for the scope, and gives the URL
 * it printed once it listens (the process is killed when the scope closes).
 */
export const dashboard = (
  args: ReadonlyArray<string>
): Effect.Effect<string, Error, RedisTestServer.RedisTestServer | Scope.Scope> =>
  Effect.flatMap(environment(undefined), (env) =>
    Effect.acquireRelease(
      Effect.sync(() => spawn(process.execPath, [bin, "dashboard", "--port", "0", ...args], { env })),
      (child) => Effect.sync(() => child.kill())
    ).pipe(
      Effect.flatMap((child) =>
        Effect.callback<string, Error>((resume) => {
          let output = ""
          child.stdout.on("data", (chunk) => {
            output += chunk
            const url = /http:\/\/\S+/.exec(output)
            if (url !== null) resume(Effect.succeed(url[0]))
          })
          child.stderr.on("data", (chunk) => (output += chunk))
          child.on("close", (code) => resume(Effect.fail(new Error(`the dashboard exited with ${code}: ${output}`))))
        })
      )
    )
  )
