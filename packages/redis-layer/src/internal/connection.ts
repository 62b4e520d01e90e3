/**
 * Opening and closing ioredis connections as effects.
 *
 * The timeouts here use Node timers rather than Effect's `Clock` on purpose:
 * they bound waits on a real network, and must keep working when a test runs
 * the program under `TestClock`.
 *
 * @internal
 */
import { Errors } from "@effect-pulse/core"
import { Effect, type Scope } from "effect"
import type { Cluster, Redis } from "ioredis"
import { connectionError, isReplyError, type Scrub } from "./errors.js"

/** What a connection attempt needs to know to wait and to explain a failure. */
export interface ConnectOptions {
  readonly timeoutMillis: number
  /** Where the connection goes, already redacted: `redis://user:***@host:6379/0`. */
  readonly target: string
  readonly scrub: Scrub
}

/**
 * Keeps ioredis from printing "Unhandled error event" for every failed
 * reconnection attempt; failures reach callers as typed errors instead.
 */
export const silenceErrors = <Client extends Redis | Cluster>(client: Client): Client => {
  client.on("error", ignore)
  return client
}

const ignore = () => {}

/**
 * Connects `client` (if it is not connecting already) and waits until it is
 * ready. Fails with `RedisConnectionError` when the timeout passes (ioredis
 * keeps retrying in between, so a Redis that comes up a moment later is
 * found), at once when Redis rejects the handshake (wrong password, unknown
 * user: retrying would not help), and at once when the client gives up
 * reconnecting. Does not close the client on failure: the caller owns it.
 */
export const waitUntilReady = (
  client: Redis | Cluster,
  options: ConnectOptions
): Effect.Effect<void, Errors.RedisConnectionError> =>
  Effect.callback<void, Errors.RedisConnectionError>((resume) => {
    if (client.status === "ready") return resume(Effect.void)
    let lastError: unknown
    const finish = (effect: Effect.Effect<void, Errors.RedisConnectionError>) => {
      cleanup()
      resume(effect)
    }
    const fail = (reason: string) =>
      finish(
        Effect.fail(
          connectionError(
            `could not connect to Redis at ${options.target}: ${reason}${describeError(lastError)}`,
            lastError,
            options.scrub
          )
        )
      )
    const onReady = () => finish(Effect.void)
    const onError = (error: unknown) => {
      lastError = error
      if (isReplyError(error)) fail("Redis refused the connection")
    }
    const onEnd = () => fail("the connection was closed")
    const timer = setTimeout(() => fail(`not ready within ${options.timeoutMillis} ms`), options.timeoutMillis)
    const cleanup = () => {
      clearTimeout(timer)
      client.off("ready", onReady)
      client.off("error", onError)
      client.off("end", onEnd)
    }
    client.on("ready", onReady)
    client.on("error", onError)
    client.on("end", onEnd)
    if (client.status === "wait" || client.status === "end") client.connect().catch(ignore)
    return Effect.sync(cleanup)
  })

const describeError = (error: unknown): string =>
  error instanceof Error && error.message !== "" ? ` (${error.message})` : ""

/** How long a graceful `QUIT` may take before the socket is dropped anyway. */
const quitTimeoutMillis = 1000

/**
 * Closes a connection: `QUIT` (so Redis sees a clean goodbye), then
 * `disconnect` in any case, also when Redis does not answer within a second
 * (a paused server) or the connection is down already.
 */
export const close = (client: Redis | Cluster): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (client.status !== "ready") {
      client.disconnect()
      return resume(Effect.void)
    }
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      client.disconnect()
      resume(Effect.void)
    }
    const timer = setTimeout(finish, quitTimeoutMillis)
    client.quit().then(finish, finish)
  })

/**
 * A client from `create`, connected and ready (see `waitUntilReady`), closed
 * when the scope ends (see `close`). A `create` that throws (ioredis refusing
 * its options) fails with `InvalidOption`.
 */
export const openClient = <Client extends Redis | Cluster>(
  create: () => Client,
  options: ConnectOptions
): Effect.Effect<Client, Errors.InvalidOption | Errors.RedisConnectionError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => silenceErrors(create()),
      catch: (error) =>
        new Errors.InvalidOption({
          option: "ioredis",
          message: options.scrub(`ioredis refused the options: ${error instanceof Error ? error.message : error}`)
        })
    }),
    close
  ).pipe(Effect.tap((client) => waitUntilReady(client, options)))
