/**
 * Opening and closing ioredis connections as effects.
 *
 * The timeouts here use Node timers rather than Effect's `Clock` on purpose:
 * they bound waits on a real network, and must keep working when a test runs
 * the program under `TestClock`.
 *
 * @internal
 */
import * as net from "node:net"
import { Errors } from "@effect-pulse/core"
import { Effect, type Scope } from "effect"
import type { Cluster, Redis } from "ioredis"
import { connectionError, isReplyError, replyCode, type Scrub } from "./errors.js"

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

/** Replies that mean "not ready yet, ask again": Redis is loading its data, or busy with a script. */
const notYetReady = new Set(["LOADING", "BUSY", "MASTERDOWN"])

/** How long to wait before asking again after `LOADING` or `BUSY`. */
const probeRetryMillis = 100

/**
 * Connects `client` (if it is not connecting already) and waits until it is
 * ready, which the layer decides by a `PING` of its own rather than by
 * ioredis's ready check (`INFO`, which a least-privilege ACL refuses, and
 * which ioredis then reports on the console): any reply but `LOADING` or
 * `BUSY` proves the connection works, an error reply included (a user
 * allowed no `PING` is still connected).
 *
 * Fails with `RedisConnectionError` when the timeout passes (ioredis keeps
 * retrying in between, so a Redis that comes up a moment later is found);
 * at once when Redis rejects the handshake (wrong password, unknown user:
 * retrying would not help), when TLS fails (an untrusted certificate, a
 * certificate for another name, a server that does not speak TLS, a client
 * certificate missing: see `tlsFailure`), when the server closes a
 * connection it accepted before answering (a TLS port reached without
 * TLS), and when the
 * client gives up reconnecting. Does not close the client on failure: the
 * caller owns it.
 */
export const waitUntilReady = (
  client: Redis | Cluster,
  options: ConnectOptions
): Effect.Effect<void, Errors.RedisConnectionError> =>
  Effect.callback<void, Errors.RedisConnectionError>((resume) => {
    if (client.status === "ready") return resume(Effect.void)
    let lastError: unknown
    let done = false
    let retry: ReturnType<typeof setTimeout> | undefined
    const finish = (effect: Effect.Effect<void, Errors.RedisConnectionError>) => {
      if (done) return
      done = true
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
    const probe = () => {
      retry = undefined
      client.ping((error) => {
        if (done) return
        if (!error) return finish(Effect.void)
        if (isReplyError(error)) {
          if (notYetReady.has(replyCode(error.message))) retry = setTimeout(probe, probeRetryMillis)
          else finish(Effect.void)
          return
        }
        lastError ??= error
        closedEarly()
      })
    }
    // A server that accepts the connection and closes it before answering
    // anything is not one retrying will reach: most often a TLS port
    // reached without TLS, whose handshake fails on the client's first bytes.
    let connected = false
    const onConnect = () => {
      connected = true
    }
    const onClose = () => {
      if (connected) closedEarly()
    }
    const closedEarly = () => {
      const tls = tlsFailure(lastError)
      if (tls !== undefined) return fail(tls)
      fail(
        options.target.startsWith("rediss:")
          ? "the server closed the connection before answering (does it require a client certificate? tls.cert and tls.key)"
          : "the server closed the connection before answering (a TLS port? connect with rediss:// or the tls option)"
      )
    }
    const onError = (error: unknown) => {
      lastError = error
      if (isReplyError(error)) return fail("Redis refused the connection")
      const tls = tlsFailure(error)
      if (tls !== undefined) fail(tls)
    }
    const onEnd = () => fail("the connection was closed")
    const timer = setTimeout(() => fail(`not ready within ${options.timeoutMillis} ms`), options.timeoutMillis)
    // A plain Redis port answers a TLS handshake with silence (it waits for
    // the end of an inline command), so a TLS connection to it would wait
    // out the whole timeout: when the handshake is slow, ask in plain text.
    // A cluster's nodes are found through its seeds: the check applies to single nodes.
    const { host, port, tls } = "host" in client.options ? client.options : {}
    const plainCheck =
      tls === undefined || host === undefined || port === undefined
        ? undefined
        : setTimeout(() => {
            answersInPlainText(host, port, plainCheckMillis).then((plain) => {
              if (plain) fail(`TLS: ${plainPortReason}`)
            })
          }, plainCheckMillis)
    const cleanup = () => {
      clearTimeout(timer)
      if (plainCheck !== undefined) clearTimeout(plainCheck)
      if (retry !== undefined) clearTimeout(retry)
      client.off("ready", probe)
      client.off("error", onError)
      client.off("end", onEnd)
      client.off("connect", onConnect)
      client.off("close", onClose)
    }
    client.on("ready", probe)
    client.on("error", onError)
    client.on("end", onEnd)
    client.on("connect", onConnect)
    client.on("close", onClose)
    if (client.status === "wait" || client.status === "end") client.connect().catch(ignore)
    return Effect.sync(cleanup)
  })

/** How long a TLS handshake may take before the layer checks for a plain port, and how long that check may take. */
const plainCheckMillis = 1000

const plainPortReason = "the server does not speak TLS on this port (connect with redis:// or without the tls option)"

/**
 * Whether a Redis answers in plain text at `host:port`: an inline `PING`
 * gets any RESP reply (`+PONG`, or `-NOAUTH` from a server with a password).
 * Never rejects.
 */
const answersInPlainText = (host: string, port: number, timeoutMillis: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (plain: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(plain)
    }
    const timer = setTimeout(() => done(false), timeoutMillis)
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (data: Buffer) => done(data[0] === 0x2b || data[0] === 0x2d))
    socket.on("error", () => done(false))
    socket.on("close", () => done(false))
  })

/** What a TLS error code of Node or OpenSSL means for whoever configures the connection. */
const tlsReasons: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED)$/,
    "the server's certificate is not signed by a trusted CA (give its CA: tls.ca, tls.caFile or REDIS_TLS_CA_FILE)"
  ],
  [
    /^ERR_TLS_CERT_ALTNAME_INVALID$/,
    "the server's certificate is not for this host name (connect by the name it holds, or set tls.serverName)"
  ],
  [/^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)$/, "the server's certificate is expired or not yet valid"],
  [/^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE)$/, plainPortReason],
  [
    /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|SSLV3_ALERT_HANDSHAKE_FAILURE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN)$/,
    "the server refused the client certificate, or requires one (tls.cert and tls.key)"
  ],
  [/^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)/, "the TLS handshake failed"]
]

/**
 * Why a connection failed at the TLS layer, in words a user can act on,
 * with the error code; `undefined` for an error that is not a TLS failure
 * (which may pass: a refused or reset connection is retried).
 */
export const tlsFailure = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code !== "string") return undefined
  for (const [pattern, reason] of tlsReasons) if (pattern.test(code)) return `TLS: ${reason} [${code}]`
  return undefined
}

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
