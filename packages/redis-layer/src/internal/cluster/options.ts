/**
 * Checks the options of `RedisLayer.layerCluster` and turns them into
 * ioredis `Cluster` options, before anything connects.
 *
 * @internal
 */
import { Errors } from "@effect-pulse/core"
import { Duration, Effect, Option, type Redacted } from "effect"
import type { ClusterOptions as IoredisClusterOptions } from "ioredis"
import { makeScrub, type Scrub } from "../errors.js"
import { type ClientOptions, checkClientOptions, reconnectDelay, resolve, type TlsOptions } from "../options.js"

/** The options of `RedisLayer.layerCluster`; documented there. */
export interface ClusterOptions {
  readonly nodes: ReadonlyArray<string>
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly tls?: boolean | TlsOptions | undefined
  readonly connectTimeout?: Duration.Input | undefined
  readonly waitForReplicas?: WaitForReplicas | undefined
  readonly ioredis?: IoredisClusterOptions | undefined
}

/** `WAIT replicas timeout` after each add. */
export interface WaitForReplicas {
  readonly replicas: number
  readonly timeout: Duration.Input
}

/** Validated options, ready for `new Cluster(...)`. */
export interface ClusterSettings {
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly cluster: IoredisClusterOptions
  /** The options of a connection of its own to one node (blocking reads), without host and port. */
  readonly nodeOptions: ClientOptions
  readonly connectTimeoutMillis: number
  readonly waitForReplicas: { readonly replicas: number; readonly timeoutMillis: number } | undefined
  /** The seed nodes, for messages, passwords hidden. */
  readonly target: string
  readonly scrub: Scrub
}

const invalid = (option: string, message: string) => Effect.fail(new Errors.InvalidOption({ option, message }))

const withScheme = (node: string): string => (/^[a-z]+:\/\//i.test(node) ? node : `redis://${node}`)

const resolveWait = (
  wait: WaitForReplicas | undefined
): Effect.Effect<ClusterSettings["waitForReplicas"], Errors.InvalidOption> => {
  if (wait === undefined) return Effect.succeed(undefined)
  if (typeof wait !== "object" || wait === null) {
    return invalid("waitForReplicas", "waitForReplicas must be { replicas, timeout }")
  }
  if (!Number.isInteger(wait.replicas) || wait.replicas < 1) {
    return invalid(
      "waitForReplicas.replicas",
      `replicas must be an integer of at least 1, got ${String(wait.replicas)}`
    )
  }
  const timeout = Duration.fromInput(wait.timeout)
  const millis = Option.isSome(timeout) ? Duration.toMillis(timeout.value) : Number.NaN
  if (!(millis >= 1 && Number.isFinite(millis))) {
    return invalid("waitForReplicas.timeout", "timeout must be a finite duration of at least 1 millisecond")
  }
  return Effect.succeed({ replicas: wait.replicas, timeoutMillis: Math.ceil(millis) })
}

/**
 * Validates `options`: each seed node goes through the single-node checks
 * (`host:port`, `redis://` or `rediss://` URLs, credentials in the URL or
 * the options), and a database other than 0 is refused (a cluster has only
 * database 0).
 */
export const resolveCluster = (options: ClusterOptions): Effect.Effect<ClusterSettings, Errors.InvalidOption> =>
  Effect.gen(function* () {
    if (typeof options !== "object" || options === null) {
      return yield* invalid("options", "the options of RedisLayer.layerCluster must be an object")
    }
    const nodes = Array.isArray(options.nodes) ? options.nodes.filter((node) => node.trim() !== "") : []
    if (nodes.length === 0) {
      return yield* invalid("nodes", "nodes must list at least one seed node, e.g. ['10.0.0.1:6379']")
    }
    const resolved = []
    for (const node of nodes) {
      const settings = yield* resolve({
        url: withScheme(node.trim()),
        username: options.username,
        password: options.password,
        tls: options.tls,
        connectTimeout: options.connectTimeout
      }).pipe(Effect.mapError((error) => new Errors.InvalidOption({ option: "nodes", message: error.message })))
      if ((settings.ioredis.db ?? 0) !== 0) {
        return yield* invalid("nodes", `a Redis Cluster only has database 0: ${settings.target}`)
      }
      resolved.push(settings)
    }
    const waitForReplicas = yield* resolveWait(options.waitForReplicas)
    const extra = options.ioredis ?? {}
    if (typeof extra !== "object" || extra === null) return yield* invalid("ioredis", "ioredis must be an object")
    yield* checkClientOptions(extra.redisOptions ?? {})
    const first = resolved[0]!
    const { host: _host, port: _port, db: _db, ...nodeOptions } = first.ioredis
    const {
      retryStrategy: _retry,
      enableOfflineQueue: _offline,
      lazyConnect: _lazy,
      enableAutoPipelining: _auto,
      ...redisOptions
    } = nodeOptions
    const scrub = makeScrub([first.ioredis.password, extra.redisOptions?.password])
    const cluster: IoredisClusterOptions = {
      // As for a single node: commands fail at once while no node is reachable, instead of queueing.
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelay,
      // Failover: ioredis retries a command whose node went away after this delay, up to `maxRedirections` times.
      retryDelayOnFailover: 200,
      ...extra,
      redisOptions: { ...redisOptions, ...extra.redisOptions },
      lazyConnect: true
    }
    return {
      seeds: resolved.map((settings) => ({ host: settings.ioredis.host!, port: settings.ioredis.port! })),
      cluster,
      nodeOptions: { ...nodeOptions, ...extra.redisOptions } as ClientOptions,
      connectTimeoutMillis: first.connectTimeoutMillis,
      waitForReplicas,
      target: resolved.map((settings) => settings.target).join(","),
      scrub
    }
  })
