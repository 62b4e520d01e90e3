/**
 * The `RedisClient` service of `@effect-pulse/core` over ioredis, for a
 * single Redis node.
 *
 * - `layer(options)` connects when the layer is built, waits until Redis is
 *   ready (at most `connectTimeout`) and closes the connections when the
 *   layer's scope ends.
 * - `layerConfig()` reads the options from `REDIS_URL` and friends.
 * - `fromClient(client)` uses an ioredis client you own.
 *
 * Once connected, a command sent while the connection is down, or in flight
 * when it drops, fails promptly with `RedisConnectionError` (nothing waits in
 * an unbounded queue); ioredis reconnects in the background. Field values are
 * read as bytes (`Buffer`, a `Uint8Array`) and never decoded. No password
 * appears in an error message, an error's cause or a log line.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const program = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   return yield* redis.xadd("pulse:stream:orders", [["n", "created"], ["p", "{}"]])
 * }).pipe(
 *   Effect.provide(RedisLayer.layer({ url: "redis://127.0.0.1:6379", password: Redacted.make("secret") }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { type Errors, RedisClient } from "@effect-pulse/core"
import { Config, ConfigProvider, Effect, Layer, Redacted } from "effect"
import { Redis, type RedisOptions } from "ioredis"
import { blockingOverrides } from "./internal/blocking.js"
import { makeCluster } from "./internal/cluster/layer.js"
import type * as internalClusterOptions from "./internal/cluster/options.js"
import { openClient, silenceErrors } from "./internal/connection.js"
import { makeScrub } from "./internal/errors.js"
import * as FastLane from "./internal/fastLane.js"
import * as internalOptions from "./internal/options.js"
import * as Service from "./internal/service.js"

/**
 * Where and how to connect.
 *
 * - `url`: `redis://[user[:password]@]host[:port][/db]`, or `rediss://` for
 *   TLS. Explicit options below win over the parts of the URL.
 * - `host` (default `localhost`), `port` (default 6379), `username`,
 *   `password` (a `Redacted`, so it cannot leak through logs), `db`
 *   (default 0), `tls` (`true`, or `TlsOptions`: a private CA, a client
 *   certificate and key for mutual TLS, the server name, whether to verify).
 * - `connectTimeout` (default 10 seconds): how long building the layer waits
 *   for Redis to be ready, retrying in between; also the limit of each
 *   connection attempt later on.
 * - `ioredis`: further ioredis options, applied last (they can override the
 *   settings the layer chooses, e.g. `enableAutoPipelining: false` or a
 *   `commandTimeout`). `lazyConnect` is always `true`: the layer connects
 *   itself. `keyPrefix` and `replyMapping: "resp3"` are refused.
 *
 * Invalid options (malformed URL, wrong scheme, port outside 1..65535,
 * negative `db`, ...) fail the layer with `InvalidOption` before anything
 * connects.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const options: RedisLayer.Options = { host: "redis.internal", port: 6380, password: Redacted.make("secret"), db: 2 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Options = internalOptions.Options

/**
 * TLS settings, for `Options.tls` (setting any of them turns TLS on):
 *
 * - `ca` (PEM text or bytes, or a list) or `caFile` (a path): the CA that
 *   signed the server's certificate, for a private CA; by default Node's
 *   list of public CAs.
 * - `cert` / `certFile` and `key` (a `Redacted` PEM) / `keyFile`: a client
 *   certificate and its key, for servers that require one (mutual TLS,
 *   `tls-auth-clients yes`).
 * - `serverName`: the name the server's certificate must hold (SNI), when
 *   it is not the host connected to (an IP address, a tunnel).
 * - `verify` (default `true`): `false` accepts any certificate. Encrypts
 *   but no longer proves whom you talk to: for development only.
 *
 * Files are read when the layer is built; an unreadable file fails with
 * `InvalidOption` naming the option and the path. Other Node TLS options go
 * in `ioredis: { tls: ... }`, which replaces these.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const mutualTls: RedisLayer.TlsOptions = {
 *   caFile: "/etc/redis/ca.pem",
 *   certFile: "/etc/redis/client.pem",
 *   key: Redacted.make(process.env.REDIS_CLIENT_KEY ?? ""),
 *   serverName: "redis.internal"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type TlsOptions = internalOptions.TlsOptions

/**
 * A `RedisClient` over a new ioredis connection. Building the layer connects
 * and waits until Redis is ready; it fails with `RedisConnectionError` when
 * Redis is not ready within `connectTimeout` (or refuses the credentials),
 * and with `InvalidOption` for options that make no sense. The shared
 * connection is closed (`QUIT`, then disconnect) when the layer's scope ends;
 * blocking connections are closed with their own scopes.
 *
 * The connection uses RESP2, auto-pipelining (commands issued in the same
 * tick share one write), no offline queue and no replay of commands after a
 * reconnect, and reconnects in the background after 50 ms, doubling up to 2 s.
 * Adds and acks (`XADD`, `XACK`, the add scripts) go on a second connection,
 * opened on the first of them, that effect-pulse writes and reads itself
 * (unless the `ioredis` options turn the offline queue on or set a
 * `commandTimeout`): they fail and recover as commands on the first one do.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const length = RedisClient.RedisClient.use((redis) => redis.xlen("pulse:stream:orders")).pipe(
 *   Effect.provide(RedisLayer.layer({ url: "redis://127.0.0.1:6379/0", connectTimeout: "2 seconds" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption | Errors.RedisConnectionError> =>
  Layer.effect(
    RedisClient.RedisClient,
    Effect.gen(function* () {
      const settings = yield* internalOptions.resolve(options)
      const client = yield* openClient(() => new Redis(settings.ioredis), {
        timeoutMillis: settings.connectTimeoutMillis,
        target: settings.target,
        scrub: settings.scrub
      })
      const duplicate = () => silenceErrors(client.duplicate(blockingOverrides))
      const hot = FastLane.applies(settings.ioredis)
        ? yield* FastLane.make({
            shared: client,
            duplicate,
            timeoutMillis: settings.connectTimeoutMillis,
            target: settings.target,
            scrub: settings.scrub
          })
        : undefined
      return Service.make({
        client,
        scrub: settings.scrub,
        blocking: {
          duplicate,
          connectTimeoutMillis: settings.connectTimeoutMillis,
          target: settings.target,
          scrub: settings.scrub
        },
        hot
      })
    })
  )

const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  config.pipe(Config.withDefault(undefined))

// A variable set to an empty string counts as unset, as shells and .env files often leave them.
const optionalString = (name: string): Config.Config<string | undefined> =>
  optional(Config.String(name).pipe(Config.map((value) => (value.trim() === "" ? undefined : value))))

const tlsConfig = Config.all({
  enabled: optional(Config.Boolean("REDIS_TLS")),
  ca: optionalString("REDIS_TLS_CA"),
  caFile: optionalString("REDIS_TLS_CA_FILE"),
  cert: optionalString("REDIS_TLS_CERT"),
  certFile: optionalString("REDIS_TLS_CERT_FILE"),
  key: optional(
    Config.Redacted("REDIS_TLS_KEY").pipe(Config.map((key) => (Redacted.value(key).trim() === "" ? undefined : key)))
  ),
  keyFile: optionalString("REDIS_TLS_KEY_FILE"),
  serverName: optionalString("REDIS_TLS_SERVERNAME"),
  verify: optional(Config.Boolean("REDIS_TLS_VERIFY"))
}).pipe(
  Config.flatMap(({ enabled, ...details }): Config.Config<boolean | TlsOptions | undefined> => {
    const given = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined))
    if (Object.keys(given).length === 0) return Config.succeed(enabled)
    if (enabled === false) {
      return Config.fail(
        new ConfigProvider.SourceError({
          message: `REDIS_TLS is false, but TLS settings are given (${Object.keys(given).join(", ")}): remove one or the other`
        })
      )
    }
    return Config.succeed(given as TlsOptions)
  })
)

/**
 * The options of `layerConfig`, read from the environment (or whatever
 * `ConfigProvider` is installed). Every variable is optional:
 *
 * | variable | option |
 * |---|---|
 * | `REDIS_URL` | `url`, e.g. `redis://user:password@host:6379/0` |
 * | `REDIS_HOST` | `host` |
 * | `REDIS_PORT` | `port` |
 * | `REDIS_USERNAME` | `username` |
 * | `REDIS_PASSWORD` | `password`, read as `Redacted` |
 * | `REDIS_DB` | `db` |
 * | `REDIS_TLS` | `tls` (`true`/`false`); any `REDIS_TLS_*` below turns TLS on |
 * | `REDIS_TLS_CA` / `REDIS_TLS_CA_FILE` | `tls.ca` (PEM) / `tls.caFile` (path) |
 * | `REDIS_TLS_CERT` / `REDIS_TLS_CERT_FILE` | `tls.cert` / `tls.certFile`: the client certificate |
 * | `REDIS_TLS_KEY` / `REDIS_TLS_KEY_FILE` | `tls.key` (read as `Redacted`) / `tls.keyFile`: its key |
 * | `REDIS_TLS_SERVERNAME` | `tls.serverName` |
 * | `REDIS_TLS_VERIFY` | `tls.verify` (`false` accepts any certificate) |
 * | `REDIS_CONNECT_TIMEOUT` | `connectTimeout`, e.g. `5 seconds` |
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * // Same variables, with a longer default timeout.
 * const config = RedisLayer.config.pipe(
 *   Config.map((options) => ({ ...options, connectTimeout: options.connectTimeout ?? "30 seconds" }))
 * )
 * const live = RedisLayer.layerConfig(config)
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  url: optionalString("REDIS_URL"),
  host: optionalString("REDIS_HOST"),
  port: optional(Config.Port("REDIS_PORT")),
  username: optionalString("REDIS_USERNAME"),
  password: optional(
    Config.Redacted("REDIS_PASSWORD").pipe(
      Config.map((password) => (Redacted.value(password) === "" ? undefined : password))
    )
  ),
  db: optional(Config.Int("REDIS_DB")),
  tls: tlsConfig,
  connectTimeout: optional(Config.Duration("REDIS_CONNECT_TIMEOUT"))
})

/**
 * `layer` with options read through `Config`: by default `config`
 * (`REDIS_URL`, `REDIS_HOST`, `REDIS_PORT`, `REDIS_USERNAME`,
 * `REDIS_PASSWORD`, `REDIS_DB`, `REDIS_TLS` and the `REDIS_TLS_*` settings,
 * `REDIS_CONNECT_TIMEOUT`). With none of them set it connects to
 * `localhost:6379`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * // REDIS_URL=redis://127.0.0.1:6379 node main.js
 * const program = RedisClient.RedisClient.use((redis) => redis.get("greeting")).pipe(
 *   Effect.provide(RedisLayer.layerConfig())
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption | Errors.RedisConnectionError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(options, layer))

/**
 * A `RedisClient` over an ioredis client you own: the layer neither connects
 * nor closes it, and sends every command but the blocking reads through it
 * (no second connection for adds, unlike `layer`), with the settings you gave it (for commands to
 * fail promptly while the connection is down, create it with
 * `enableOfflineQueue: false` and `maxRetriesPerRequest: 0`; under a
 * least-privilege ACL, with `enableReadyCheck: false`, or ioredis's ready
 * check sends `INFO` and prints a warning when it is refused). Blocking
 * connections are `client.duplicate()`s, connected on their first read and
 * closed with their scopes. A client with a `keyPrefix` or
 * `replyMapping: "resp3"` is refused with `InvalidOption`.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis"
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const client = new Redis("redis://127.0.0.1:6379")
 * const program = RedisClient.RedisClient.use((redis) => redis.exists(["greeting"])).pipe(
 *   Effect.provide(RedisLayer.fromClient(client))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromClient = (client: Redis): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption> =>
  Layer.effect(
    RedisClient.RedisClient,
    Effect.gen(function* () {
      const options: RedisOptions = client.options
      yield* internalOptions.checkClientOptions(options)
      const scrub = makeScrub([options.password, options.sentinelPassword])
      const host = options.host ?? "localhost"
      const port = options.port ?? 6379
      const credentials = options.password
        ? `${options.username ?? ""}:***@`
        : options.username
          ? `${options.username}@`
          : ""
      const target = `redis://${credentials}${host}:${port}/${options.db ?? 0}`
      return Service.make({
        client,
        scrub,
        blocking: {
          duplicate: () => silenceErrors(client.duplicate(blockingOverrides)),
          connectTimeoutMillis: options.connectTimeout ?? internalOptions.defaultConnectTimeoutMillis,
          target,
          scrub
        }
      })
    })
  )

/**
 * Where and how to reach a Redis Cluster.
 *
 * - `nodes`: seed nodes, `host:port` or `redis://[user[:password]@]host:port`
 *   (`rediss://` for TLS); one reachable seed is enough, the others are
 *   found through it.
 * - `username`, `password` (a `Redacted`), `tls`, `connectTimeout`: as for
 *   `layer`, for every node.
 * - `waitForReplicas`: `{ replicas, timeout }` sends `WAIT replicas timeout`
 *   to the primary after each add, so that an add only succeeds once that
 *   many replicas have it (Redis replicates asynchronously: without it, a
 *   failover right after an add can lose the entry). When fewer replicas
 *   acknowledge in time the add fails with `RedisCommandError` (`command`
 *   `WAIT`, `code` `UNREPLICATED`): the entry *was* added and may survive.
 * - `ioredis`: further ioredis `Cluster` options, applied last.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const options: RedisLayer.ClusterOptions = {
 *   nodes: ["10.0.0.1:6379", "10.0.0.2:6379"],
 *   password: Redacted.make("secret"),
 *   waitForReplicas: { replicas: 1, timeout: "100 millis" }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ClusterOptions = internalClusterOptions.ClusterOptions

/**
 * A `RedisClient` over a Redis Cluster (an ioredis `Cluster`): the same
 * service as `layer`, for the same code. Each command goes to the primary
 * serving its key's slot; commands over keys of several slots (`DEL`,
 * `EXISTS`, reads over several streams) are split per slot, and blocking
 * reads run on connections of their own to the primaries serving their
 * streams. `MOVED`/`ASK` redirections and failovers are followed by ioredis;
 * `CLUSTERDOWN`, `TRYAGAIN`, `READONLY`, `MASTERDOWN` and `LOADING` left
 * after its retries fail as `RedisConnectionError` (the reply in its
 * `cause`): nothing was done, and readers and sinks retry them as they retry
 * a lost connection. See the README's "Redis Cluster" section for where keys
 * land.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("{orders}.eu")
 *   return yield* orders.add("created", '{"id":1}')
 * }).pipe(Effect.provide(RedisLayer.layerCluster({ nodes: ["127.0.0.1:7000", "127.0.0.1:7001"] })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCluster = (
  options: ClusterOptions
): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption | Errors.RedisConnectionError> =>
  Layer.effect(RedisClient.RedisClient, makeCluster(options))

/**
 * The options of `layerClusterConfig`: `REDIS_CLUSTER_NODES` (seed nodes,
 * comma-separated: `10.0.0.1:6379,10.0.0.2:6379` or
 * `redis://10.0.0.1:6379,redis://10.0.0.2:6379`), and `REDIS_USERNAME`,
 * `REDIS_PASSWORD` (read as `Redacted`), `REDIS_TLS`,
 * `REDIS_CONNECT_TIMEOUT` as for a single node.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * // Every add waits for one replica.
 * const config = RedisLayer.clusterConfig.pipe(
 *   Config.map((options) => ({ ...options, waitForReplicas: { replicas: 1, timeout: "100 millis" } }))
 * )
 * const live = RedisLayer.layerClusterConfig(config)
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const clusterConfig: Config.Config<ClusterOptions> = Config.all({
  nodes: Config.String("REDIS_CLUSTER_NODES").pipe(
    Config.map((nodes) =>
      nodes
        .split(",")
        .map((node) => node.trim())
        .filter((node) => node !== "")
    )
  ),
  username: config.pipe(Config.map((options) => options.username)),
  password: config.pipe(Config.map((options) => options.password)),
  tls: config.pipe(Config.map((options) => options.tls)),
  connectTimeout: config.pipe(Config.map((options) => options.connectTimeout))
})

/**
 * `layerCluster` with options read through `Config`, by default
 * `clusterConfig` (`REDIS_CLUSTER_NODES` and friends).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisLayer } from "@effect-pulse/redis-layer"
 *
 * // REDIS_CLUSTER_NODES=10.0.0.1:6379,10.0.0.2:6379 node main.js
 * const program = RedisClient.RedisClient.use((redis) => redis.xlen("pulse:stream:orders")).pipe(
 *   Effect.provide(RedisLayer.layerClusterConfig())
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClusterConfig = (
  options: Config.Config<ClusterOptions> = clusterConfig
): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption | Errors.RedisConnectionError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(options, layerCluster))
