/**
 * A real Redis for tests, the project's and your own, with the faults that
 * matter to a streaming library at hand: kill the server, pause it, restart
 * it (empty or from a snapshot), drop client connections, cut blocked
 * commands short.
 *
 * `layer` finds a Redis in this order:
 *
 * 1. `REDIS_URL`, when set: a server someone else runs (kind `external`).
 *    The harness never disturbs it: fault operations and `flushAll` fail
 *    with `RedisTestServerUnsupported`.
 * 2. A Docker container through `testcontainers` (kind `container`), when a
 *    Docker engine seems present (`DOCKER_HOST` set or a Docker socket
 *    exists). testcontainers is only loaded on this path.
 * 3. A `redis-server` process from `PATH` (kind `process`) on a free loopback
 *    port, without persistence, killed when the scope closes (and when the
 *    Node process exits).
 *
 * `layerOwned` skips step 1: for tests that kill, pause or flush the server.
 * `layerClient` / `layerClientOwned` add a `RedisClient` connected to it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { describe, expect, layer } from "@effect/vitest"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("orders", (it) => {
 *   it.effect("survives a restart", () =>
 *     Effect.gen(function*() {
 *       const redis = yield* RedisClient.RedisClient
 *       const server = yield* RedisTestServer.RedisTestServer
 *       yield* server.restart
 *       expect(yield* redis.xlen("pulse:stream:orders").pipe(Effect.retry({ times: 50 }))).toBe(0)
 *     }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Config, Context, Effect, Layer, Option, Schema, type Scope } from "effect"
import { redactUrl } from "./internal/errors.js"
import { type Controller, messageOf } from "./internal/testServer/controller.js"
import { type ProcessOptions as InternalProcessOptions, startProcess } from "./internal/testServer/process.js"
import { startOwned } from "./internal/testServer/start.js"
import * as RedisLayer from "./RedisLayer.js"

/**
 * The harness could not start a server, or an operation on it failed.
 *
 * @example
 * ```ts
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const error = new RedisTestServer.RedisTestServerError({ operation: "start", message: "redis-server not found" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisTestServerError extends Schema.TaggedError<RedisTestServerError>()("RedisTestServerError", {
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * An operation the harness refuses on a server it did not start (kind
 * `external`): it never kills, pauses or flushes someone else's Redis.
 *
 * @example
 * ```ts
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const error = new RedisTestServer.RedisTestServerUnsupported({
 *   operation: "flushAll",
 *   kind: "external",
 *   message: "the harness does not flush a Redis it did not start"
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisTestServerUnsupported extends Schema.TaggedError<RedisTestServerUnsupported>()(
  "RedisTestServerUnsupported",
  {
    operation: Schema.String,
    kind: Schema.String,
    message: Schema.String
  }
) {}

/**
 * Where the server comes from: `REDIS_URL` (`external`), a Docker container
 * (`container`) or a `redis-server` child process (`process`).
 *
 * @example
 * ```ts
 * import type { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const canInjectFaults = (kind: RedisTestServer.Kind) => kind !== "external"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "external" | "container" | "process"

/**
 * A failure of a fault operation: it failed, or the server is `external`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const ignoreRefusal = <A>(operation: Effect.Effect<A, RedisTestServer.OperationError>) =>
 *   operation.pipe(Effect.catchTag("RedisTestServerUnsupported", () => Effect.void))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type OperationError = RedisTestServerError | RedisTestServerUnsupported

/**
 * The server and what a test can do to it. Each operation completes once it
 * has taken effect (the process is gone, stopped, running again, answering).
 *
 * - `stop`: graceful shutdown (`SIGTERM`); `kill`: `SIGKILL`.
 * - `pause` (`SIGSTOP`): the server accepts no work, connections stay open
 *   and commands wait; `resume` (`SIGCONT`) lets them through.
 * - `restart`: stops the server if it runs and starts it again on the same
 *   port. There is no persistence, so the data is gone: a restarted server
 *   is empty (a Redis used as a cache).
 * - `restartKeepingData`: the same with persistence: the server saves a
 *   snapshot as it shuts down (`SHUTDOWN SAVE`, after the last write it
 *   acknowledged) and the new one loads it.
 * - `killClients`: `CLIENT KILL TYPE normal`, dropping every client
 *   connection; the number of connections dropped.
 * - `killBlockedClients`: drops only the connections blocked in a command
 *   (`XREAD BLOCK`, ...); how many.
 * - `unblockClients`: `CLIENT UNBLOCK <id> ERROR` on every blocked
 *   connection, as a failover or an operator does: each blocked command
 *   fails with `UNBLOCKED` and the connection stays; how many.
 * - `flushAll`: `FLUSHALL`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const bounce = Effect.gen(function*() {
 *   const server = yield* RedisTestServer.RedisTestServer
 *   yield* server.kill
 *   yield* server.restart
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `redis://host:port` (for kind `external`, `REDIS_URL` as given). */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly kind: Kind
  readonly stop: Effect.Effect<void, OperationError>
  readonly kill: Effect.Effect<void, OperationError>
  readonly pause: Effect.Effect<void, OperationError>
  readonly resume: Effect.Effect<void, OperationError>
  readonly restart: Effect.Effect<void, OperationError>
  readonly restartKeepingData: Effect.Effect<void, OperationError>
  readonly killClients: Effect.Effect<number, OperationError>
  readonly killBlockedClients: Effect.Effect<number, OperationError>
  readonly unblockClients: Effect.Effect<number, OperationError>
  readonly flushAll: Effect.Effect<void, OperationError>
}

/**
 * The service key of the test server.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const url = RedisTestServer.RedisTestServer.useSync((server) => server.url)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RedisTestServer extends Context.Service<RedisTestServer, Service>()(
  "@effect-pulse/redis-layer/RedisTestServer"
) {}

const external = (url: string): Effect.Effect<Service, RedisTestServerError> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Effect.fail(
      new RedisTestServerError({ operation: "start", message: `REDIS_URL is not a valid URL: ${redactUrl(url)}` })
    )
  }
  const refuse = (operation: string) =>
    Effect.fail(
      new RedisTestServerUnsupported({
        operation,
        kind: "external",
        message:
          `${operation} is refused: the Redis at ${redactUrl(url)} comes from REDIS_URL and the harness ` +
          "never disturbs a server it did not start (use RedisTestServer.layerOwned for fault tests)"
      })
    )
  return Effect.succeed({
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    kind: "external",
    stop: refuse("stop"),
    kill: refuse("kill"),
    pause: refuse("pause"),
    resume: refuse("resume"),
    restart: refuse("restart"),
    restartKeepingData: refuse("restartKeepingData"),
    killClients: refuse("killClients"),
    killBlockedClients: refuse("killBlockedClients"),
    unblockClients: refuse("unblockClients"),
    flushAll: refuse("flushAll")
  })
}

const owned = (controller: Controller): Service => {
  const operation = <A>(name: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (error) => new RedisTestServerError({ operation: name, message: messageOf(error) })
    })
  const command = (name: string, args: ReadonlyArray<string>) =>
    operation(name, async () => {
      const reply = await controller.command(args)
      if (reply.startsWith("-")) throw new Error(`Redis answered ${reply.slice(1)}`)
      return reply
    })
  // `CLIENT LIST` has a line per connection; `flags` holds `b` while it is blocked in a command.
  const onBlockedClients = (name: string, commandFor: (id: string) => ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const list = yield* command(name, ["CLIENT", "LIST"])
      const blocked = list
        .split("\n")
        .map((line) => ({ id: /(?:^| )id=(\d+)/.exec(line)?.[1], flags: / flags=(\S*)/.exec(line)?.[1] }))
        .filter((client) => client.id !== undefined && client.flags?.includes("b") === true)
      let done = 0
      for (const client of blocked) {
        // A client no longer blocked (or gone) by now answers 0: not counted.
        if ((yield* command(name, commandFor(client.id!))) === ":1") done++
      }
      return done
    })
  return {
    url: `redis://${controller.host.includes(":") ? `[${controller.host}]` : controller.host}:${controller.port}`,
    host: controller.host,
    port: controller.port,
    kind: controller.kind,
    stop: operation("stop", controller.stop),
    kill: operation("kill", controller.kill),
    pause: operation("pause", controller.pause),
    resume: operation("resume", controller.resume),
    restart: operation("restart", () => controller.restart({ keepData: false })),
    restartKeepingData: operation("restartKeepingData", () => controller.restart({ keepData: true })),
    killClients: Effect.map(command("killClients", ["CLIENT", "KILL", "TYPE", "normal"]), (reply) =>
      Number(reply.slice(1))
    ),
    killBlockedClients: onBlockedClients("killBlockedClients", (id) => ["CLIENT", "KILL", "ID", id]),
    unblockClients: onBlockedClients("unblockClients", (id) => ["CLIENT", "UNBLOCK", id, "ERROR"]),
    flushAll: Effect.asVoid(command("flushAll", ["FLUSHALL"]))
  }
}

/**
 * Finds or starts a server for the current scope (see the module
 * documentation); with `allowExternal: false`, always starts one the harness
 * owns, whatever `REDIS_URL` says.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const server = yield* RedisTestServer.make({ allowExternal: false })
 *     yield* server.flushAll
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly allowExternal: boolean
}): Effect.Effect<Service, RedisTestServerError, Scope.Scope> =>
  Effect.gen(function* () {
    if (options.allowExternal) {
      const url = yield* Config.option(Config.String("REDIS_URL")).pipe(
        Effect.mapError((error) => new RedisTestServerError({ operation: "start", message: error.message }))
      )
      if (Option.isSome(url) && url.value.trim() !== "") return yield* external(url.value.trim())
    }
    return owned(yield* acquire(startOwned))
  })

/** A server started by `start`, disposed of when the scope closes. */
const acquire = (start: () => Promise<Controller>): Effect.Effect<Controller, RedisTestServerError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: start,
      catch: (error) => new RedisTestServerError({ operation: "start", message: messageOf(error) })
    }),
    (controller) => Effect.promise(controller.dispose)
  )

/**
 * How to start a `redis-server` process of one's own with `makeProcess`:
 * further `args` for `redis-server`, and `tls` to serve TLS only (the CA,
 * the server's certificate and key as file paths, whether clients must
 * present a certificate, and the client certificate the harness's own
 * probes then present).
 *
 * @example
 * ```ts
 * import type { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const options: RedisTestServer.ProcessOptions = {
 *   args: ["--maxmemory", "10mb"],
 *   tls: { caFile: "ca.pem", certFile: "server.pem", keyFile: "server.key" }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ProcessOptions = InternalProcessOptions

/**
 * Starts a `redis-server` process for the current scope with `options`,
 * whatever `REDIS_URL` says and even where Docker runs: for tests that need
 * a server configured their way (TLS only, an ACL file, ...). With `tls`,
 * `url` is `rediss://127.0.0.1:<port>` and the server has no plain port.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const server = yield* RedisTestServer.makeProcess({ args: ["--maxclients", "10"] })
 *     return server.url
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeProcess = (options: ProcessOptions): Effect.Effect<Service, RedisTestServerError, Scope.Scope> =>
  Effect.map(
    acquire(() => startProcess(options)),
    (controller) => {
      const service = owned(controller)
      return options.tls === undefined ? service : { ...service, url: service.url.replace(/^redis:/, "rediss:") }
    }
  )

/**
 * The test server: `REDIS_URL` when set, else a container, else a
 * `redis-server` process. Fault operations fail on `REDIS_URL`.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestServer.layer)((it) => {
 *   it.effect("has a url", () => RedisTestServer.RedisTestServer.useSync((server) => server.url))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RedisTestServer, RedisTestServerError> = Layer.effect(
  RedisTestServer,
  make({ allowExternal: true })
)

/**
 * A test server the harness starts and owns (a container or a process),
 * whatever `REDIS_URL` says: for tests that kill, pause, restart or flush it.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestServer.layerOwned)((it) => {
 *   it.effect("pauses", () => RedisTestServer.RedisTestServer.use((server) => server.pause))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOwned: Layer.Layer<RedisTestServer, RedisTestServerError> = Layer.effect(
  RedisTestServer,
  make({ allowExternal: false })
)

const withClient = (
  server: Layer.Layer<RedisTestServer, RedisTestServerError>
): Layer.Layer<
  RedisClient.RedisClient | RedisTestServer,
  RedisTestServerError | Errors.InvalidOption | Errors.RedisConnectionError
> =>
  Layer.unwrap(RedisTestServer.useSync((found) => RedisLayer.layer({ url: found.url }))).pipe(
    Layer.provideMerge(server)
  )

/**
 * `layer` plus a `RedisClient` (`RedisLayer.layer`) connected to it.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestServer.layerClient)("streams", (it) => {
 *   it.effect("adds", () => RedisClient.RedisClient.use((redis) => redis.xadd("pulse:stream:t", [["n", "x"]])))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient: Layer.Layer<
  RedisClient.RedisClient | RedisTestServer,
  RedisTestServerError | Errors.InvalidOption | Errors.RedisConnectionError
> = withClient(layer)

/**
 * `layerOwned` plus a `RedisClient` connected to it.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("faults", (it) => {
 *   it.effect("kills", () => RedisTestServer.RedisTestServer.use((server) => server.kill))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClientOwned: Layer.Layer<
  RedisClient.RedisClient | RedisTestServer,
  RedisTestServerError | Errors.InvalidOption | Errors.RedisConnectionError
> = withClient(layerOwned)
