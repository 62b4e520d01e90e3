/**
 * Checks the options of `RedisLayer.layer` and turns them into ioredis
 * options, before anything connects.
 *
 * @internal
 */

import { readFileSync } from "node:fs"
import type * as tls from "node:tls"
import { Errors } from "@effect-pulse/core"
import { Duration, Effect, Option, Redacted } from "effect"
import type { RedisOptions } from "ioredis"
import { makeScrub, redactUrl, type Scrub } from "./errors.js"

/** The options of `RedisLayer.layer`; documented there. */
export interface Options {
  readonly url?: string | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly db?: number | undefined
  readonly tls?: boolean | TlsOptions | undefined
  readonly connectTimeout?: Duration.Input | undefined
  readonly ioredis?: RedisOptions | undefined
}

/** The TLS options of `RedisLayer.layer`; documented there. */
export interface TlsOptions {
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined
  readonly caFile?: string | undefined
  readonly cert?: string | Buffer | undefined
  readonly certFile?: string | undefined
  readonly key?: Redacted.Redacted<string | Buffer> | undefined
  readonly keyFile?: string | undefined
  readonly serverName?: string | undefined
  readonly verify?: boolean | undefined
}

const tlsKeys: ReadonlySet<string> = new Set([
  "ca",
  "caFile",
  "cert",
  "certFile",
  "key",
  "keyFile",
  "serverName",
  "verify"
])

/**
 * Reads a PEM file named by a TLS option. The message names the option and
 * the path, never the content: a key file holds a secret.
 */
const readPem = (option: string, path: unknown): Effect.Effect<Buffer, Errors.InvalidOption> => {
  if (typeof path !== "string" || path === "") return invalid(option, `${option} must be a file path`)
  return Effect.try({
    try: () => readFileSync(path),
    catch: (error) =>
      new Errors.InvalidOption({
        option,
        message: `could not read ${option} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`
      })
  })
}

const isPem = (value: unknown): value is string | Buffer => typeof value === "string" || Buffer.isBuffer(value)

/**
 * Turns `TlsOptions` into Node's: files read, the key taken out of its
 * `Redacted` only here, values and files for the same thing refused
 * together. Unknown fields are refused with a pointer to `ioredis.tls`.
 */
const resolveTls = (options: TlsOptions): Effect.Effect<tls.ConnectionOptions, Errors.InvalidOption> =>
  Effect.gen(function* () {
    const unknown = Object.keys(options).filter((key) => !tlsKeys.has(key))
    if (unknown.length > 0) {
      return yield* invalid(
        "tls",
        `unknown tls option(s) ${unknown.join(", ")}: tls takes ${[...tlsKeys].join(", ")}; pass other Node TLS options in ioredis.tls`
      )
    }
    const both = (["ca", "cert", "key"] as const).find(
      (name) => options[name] !== undefined && options[`${name}File`] !== undefined
    )
    if (both !== undefined) return yield* invalid(`tls.${both}`, `give tls.${both} or tls.${both}File, not both`)
    const result: tls.ConnectionOptions = {}
    if (options.caFile !== undefined) result.ca = yield* readPem("tls.caFile", options.caFile)
    else if (options.ca !== undefined) {
      const cas = Array.isArray(options.ca) ? options.ca : [options.ca]
      if (!cas.every(isPem)) return yield* invalid("tls.ca", "tls.ca must be PEM text or bytes, or a list of them")
      result.ca = cas as Array<string | Buffer>
    }
    if (options.certFile !== undefined) result.cert = yield* readPem("tls.certFile", options.certFile)
    else if (options.cert !== undefined) {
      if (!isPem(options.cert)) return yield* invalid("tls.cert", "tls.cert must be PEM text or bytes")
      result.cert = options.cert
    }
    if (options.keyFile !== undefined) result.key = yield* readPem("tls.keyFile", options.keyFile)
    else if (options.key !== undefined) {
      const key = Redacted.isRedacted(options.key) ? Redacted.value(options.key) : undefined
      if (!isPem(key)) return yield* invalid("tls.key", "tls.key must be a Redacted PEM: Redacted.make(pem)")
      result.key = key
    }
    if ((result.cert === undefined) !== (result.key === undefined)) {
      return yield* invalid("tls", "a client certificate needs its key, and a key its certificate: give both")
    }
    if (options.serverName !== undefined) {
      if (typeof options.serverName !== "string" || options.serverName === "") {
        return yield* invalid("tls.serverName", "tls.serverName must be a non-empty host name")
      }
      result.servername = options.serverName
    }
    if (options.verify !== undefined) {
      if (typeof options.verify !== "boolean") return yield* invalid("tls.verify", "tls.verify must be a boolean")
      result.rejectUnauthorized = options.verify
    }
    return result
  })

/** ioredis options whose replies have the RESP2 shape the decoders expect. */
export type ClientOptions = RedisOptions & { replyMapping?: "legacy" }

/** Validated options, ready for `new Redis(...)`. */
export interface Settings {
  readonly ioredis: ClientOptions
  readonly connectTimeoutMillis: number
  /** Where the layer connects, for messages: `redis://user:***@host:6379/0`. */
  readonly target: string
  readonly scrub: Scrub
}

/** How long the layer waits for Redis at startup unless told otherwise. */
export const defaultConnectTimeoutMillis = 10_000

/**
 * The delay before each reconnection attempt: 50 ms doubling up to 2 s, with
 * up to 100 ms of jitter so that many clients do not reconnect in lockstep.
 * Shorter than ioredis's default cap (5 s) because commands fail while the
 * connection is down, so every second offline is a second of failed adds.
 */
export const reconnectDelay = (attempt: number): number =>
  Math.min(50 * 2 ** Math.min(attempt - 1, 10), 2000) + Math.floor(Math.random() * 100)

/**
 * The ioredis settings the layer relies on, applied before the user's own
 * `ioredis` options:
 *
 * - `protocol: 2`: RESP2 replies need no reshaping (RESP3 maps would be
 *   flattened back by ioredis anyway) and work with every Redis version.
 * - `enableOfflineQueue: false`: a command sent while the connection is down
 *   fails at once instead of piling up in an unbounded queue.
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a
 *   command in flight when the connection drops fails at once instead of being
 *   replayed after a reconnect the caller knows nothing about.
 * - `enableAutoPipelining: true`: commands issued in the same tick share one
 *   write, which is what makes many concurrent adds cheap.
 * - `enableReadyCheck: false`: ioredis's ready check sends `INFO`, which a
 *   least-privilege ACL refuses, and then writes a warning to the console;
 *   the layer checks readiness with a `PING` of its own (`waitUntilReady`).
 */
export const baseOptions: RedisOptions = {
  protocol: 2,
  enableReadyCheck: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  enableAutoPipelining: true,
  retryStrategy: reconnectDelay
}

const invalid = (option: string, message: string) => Effect.fail(new Errors.InvalidOption({ option, message }))

const isPort = (port: unknown): port is number =>
  typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535

const isDatabase = (db: unknown): db is number => typeof db === "number" && Number.isSafeInteger(db) && db >= 0

interface Target {
  host?: string | undefined
  port?: number | undefined
  username?: string | undefined
  password?: string | undefined
  db?: number | undefined
  tls?: tls.ConnectionOptions | undefined
}

const parseUrl = (url: unknown): Effect.Effect<Target, Errors.InvalidOption> => {
  if (typeof url !== "string") return invalid("url", `url must be a string, got ${typeof url}`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return invalid("url", `url is not a valid URL: ${redactUrl(url)}`)
  }
  const shown = redactUrl(url)
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    return invalid("url", `url must use the redis: or rediss: scheme, got ${parsed.protocol} in ${shown}`)
  }
  if (parsed.hostname === "") return invalid("url", `url has no host: ${shown}`)
  if (parsed.search !== "" || parsed.hash !== "") {
    return invalid("url", `url may not have a query or fragment (pass such settings in ioredis): ${shown}`)
  }
  const target: Target = { host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") }
  if (parsed.port !== "") {
    const port = Number(parsed.port)
    if (!isPort(port)) return invalid("url", `the port of url must be an integer from 1 to 65535, in ${shown}`)
    target.port = port
  }
  if (parsed.pathname !== "" && parsed.pathname !== "/") {
    const db = /^\/(\d+)$/.exec(parsed.pathname)
    if (db === null || !isDatabase(Number(db[1]))) {
      return invalid("url", `the path of url must be a database number such as /0, in ${shown}`)
    }
    target.db = Number(db[1])
  }
  try {
    if (parsed.username !== "") target.username = decodeURIComponent(parsed.username)
    if (parsed.password !== "") target.password = decodeURIComponent(parsed.password)
  } catch {
    return invalid("url", `the user info of url is not valid percent-encoding: ${shown}`)
  }
  if (parsed.protocol === "rediss:") target.tls = {}
  return Effect.succeed(target)
}

const describe = (target: Target): string => {
  const scheme = target.tls === undefined ? "redis" : "rediss"
  const user = target.username ?? ""
  const credentials = target.password !== undefined ? `${user}:***@` : user !== "" ? `${user}@` : ""
  const host = target.host?.includes(":") ? `[${target.host}]` : target.host
  return `${scheme}://${credentials}${host}:${target.port}/${target.db ?? 0}`
}

/**
 * Validates `options` (malformed URL, wrong scheme, port outside 1..65535,
 * negative database, ...) and builds the ioredis options. Explicit options
 * win over the parts of `url`; `ioredis` options win over both, except
 * `lazyConnect`, which the layer needs to decide when to connect.
 */
export const resolve = (options: Options): Effect.Effect<Settings, Errors.InvalidOption> =>
  Effect.gen(function* () {
    if (typeof options !== "object" || options === null) {
      return yield* invalid("options", "the options of RedisLayer.layer must be an object")
    }
    const target: Target = options.url === undefined ? {} : yield* parseUrl(options.url)
    if (options.host !== undefined) {
      if (typeof options.host !== "string" || options.host.trim() === "" || /\s/.test(options.host)) {
        return yield* invalid(
          "host",
          `host must be a non-empty host name or address, got ${JSON.stringify(options.host)}`
        )
      }
      target.host = options.host
    }
    if (options.port !== undefined) {
      if (!isPort(options.port)) {
        return yield* invalid("port", `port must be an integer from 1 to 65535, got ${String(options.port)}`)
      }
      target.port = options.port
    }
    if (options.username !== undefined) {
      if (typeof options.username !== "string") return yield* invalid("username", "username must be a string")
      target.username = options.username
    }
    if (options.password !== undefined) {
      if (!Redacted.isRedacted(options.password)) {
        return yield* invalid("password", "password must be a Redacted string: Redacted.make(password)")
      }
      const password = Redacted.value(options.password)
      if (typeof password !== "string") return yield* invalid("password", "password must be a Redacted string")
      target.password = password
    }
    if (options.db !== undefined) {
      if (!isDatabase(options.db)) {
        return yield* invalid("db", `db must be an integer of at least 0, got ${String(options.db)}`)
      }
      target.db = options.db
    }
    if (options.tls !== undefined) {
      if (typeof options.tls === "boolean") target.tls = options.tls ? {} : undefined
      else if (typeof options.tls === "object" && options.tls !== null) target.tls = yield* resolveTls(options.tls)
      else return yield* invalid("tls", "tls must be a boolean or TLS options")
    }
    let connectTimeoutMillis = defaultConnectTimeoutMillis
    if (options.connectTimeout !== undefined) {
      const timeout = Duration.fromInput(options.connectTimeout)
      const millis = Option.isSome(timeout) ? Duration.toMillis(timeout.value) : Number.NaN
      if (!(millis >= 1 && Number.isFinite(millis))) {
        return yield* invalid("connectTimeout", "connectTimeout must be a finite duration of at least 1 millisecond")
      }
      connectTimeoutMillis = Math.ceil(millis)
    }
    const extra = options.ioredis ?? {}
    if (typeof extra !== "object" || extra === null) return yield* invalid("ioredis", "ioredis must be an object")
    if ((extra as { replyMapping?: unknown }).replyMapping === "resp3") {
      return yield* invalid("ioredis.replyMapping", 'replyMapping "resp3" changes the shape of replies; leave it unset')
    }
    if (typeof extra.keyPrefix === "string" && extra.keyPrefix !== "") {
      return yield* invalid("ioredis.keyPrefix", "keyPrefix is not supported: it would rename the keys in replies")
    }
    target.host ??= "localhost"
    target.port ??= 6379
    // `replyMapping: "resp3"` was refused above, so the options are legacy-shaped.
    const ioredis = {
      ...baseOptions,
      connectTimeout: connectTimeoutMillis,
      host: target.host,
      port: target.port,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.db === undefined ? {} : { db: target.db }),
      ...(target.tls === undefined ? {} : { tls: target.tls }),
      ...extra,
      lazyConnect: true
    } as ClientOptions
    const scrub = makeScrub([target.password, extra.password, extra.sentinelPassword])
    return { ioredis, connectTimeoutMillis, target: scrub(describe(target)), scrub }
  })

/**
 * The options a client handed to `RedisLayer.fromClient` must not have:
 * the same shape rules as for `layer`.
 */
export const checkClientOptions = (options: RedisOptions): Effect.Effect<void, Errors.InvalidOption> => {
  if ((options as { replyMapping?: unknown }).replyMapping === "resp3") {
    return invalid("client.options.replyMapping", 'a client with replyMapping "resp3" returns replies of another shape')
  }
  if (typeof options.keyPrefix === "string" && options.keyPrefix !== "") {
    return invalid("client.options.keyPrefix", "a client with a keyPrefix would rename the keys in replies")
  }
  return Effect.void
}
