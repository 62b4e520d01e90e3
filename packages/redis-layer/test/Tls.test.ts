import { readFileSync } from "node:fs"
import { expect, layer } from "@effect/vitest"
import { Errors, RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { type Certificates, certificates } from "./certificates.js"
import { buildFailure, everythingShownBy, uniqueKey } from "./helpers.js"

/** The certificates and three servers: TLS only, TLS only requiring client certificates, and plain. */
class Servers extends Context.Service<
  Servers,
  {
    readonly certificates: Certificates
    readonly tls: RedisTestServer.Service
    readonly mutual: RedisTestServer.Service
    readonly plain: RedisTestServer.Service
  }
>()("test/Tls/Servers") {}

const servers = Layer.effect(
  Servers,
  Effect.gen(function* () {
    const made = yield* certificates
    const files = { caFile: made.caFile, certFile: made.serverCertFile, keyFile: made.serverKeyFile }
    return {
      certificates: made,
      tls: yield* RedisTestServer.makeProcess({ tls: files }),
      mutual: yield* RedisTestServer.makeProcess({
        tls: { ...files, authClients: true, clientCertFile: made.clientCertFile, clientKeyFile: made.clientKeyFile }
      }),
      plain: yield* RedisTestServer.makeProcess({})
    }
  })
)

/** Builds `theLayer` and runs a round trip through it. */
const roundTrip = (theLayer: Layer.Layer<RedisClient.RedisClient, unknown>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const redis = Context.get(yield* Layer.build(theLayer), RedisClient.RedisClient)
      const key = uniqueKey("tls")
      yield* redis.set(key, "over TLS")
      // A blocking read runs on a connection of its own, made with the same settings.
      const connection = yield* redis.blockingConnection
      yield* redis.xadd(`${key}:stream`, [["n", "x"]])
      const reads = yield* connection.xread([{ key: `${key}:stream`, id: "0" }], { blockMillis: 1000 })
      expect(reads).toHaveLength(1)
      return yield* redis.get(key)
    })
  )

/**
 * How a layer that cannot connect fails: with a generous connectTimeout, a
 * failure within 5 seconds is one that did not wait for it.
 */
const failsFast = <E>(theLayer: Layer.Layer<RedisClient.RedisClient, E>) =>
  buildFailure(theLayer).pipe(
    Effect.timeoutOrElse({
      duration: "5 seconds",
      orElse: () => Effect.die(new Error("the layer did not fail before its 30-second connectTimeout"))
    })
  )

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env))

layer(servers, { excludeTestServices: true, timeout: "60 seconds" })("RedisLayer over TLS", (it) => {
  it.effect("connects to a TLS-only server with a trusted private CA, from options and from config", () =>
    Effect.gen(function* () {
      const { certificates, tls } = yield* Servers
      expect(tls.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/)
      expect(yield* roundTrip(RedisLayer.layer({ url: tls.url, tls: { caFile: certificates.caFile } }))).toBe(
        "over TLS"
      )
      const pem = readFileSync(certificates.caFile, "utf8")
      expect(yield* roundTrip(RedisLayer.layer({ host: "127.0.0.1", port: tls.port, tls: { ca: pem } }))).toBe(
        "over TLS"
      )
      // From config: a CA as a value, or as a file with the name the certificate holds.
      yield* roundTrip(RedisLayer.layerConfig()).pipe(withEnv({ REDIS_URL: tls.url, REDIS_TLS_CA: pem }))
      yield* roundTrip(RedisLayer.layerConfig()).pipe(
        withEnv({
          REDIS_HOST: "127.0.0.1",
          REDIS_PORT: String(tls.port),
          REDIS_TLS_CA_FILE: certificates.caFile,
          REDIS_TLS_SERVERNAME: "localhost"
        })
      )
    })
  )

  it.effect("an untrusted certificate fails fast with a typed error naming the cause", () =>
    Effect.gen(function* () {
      const { certificates, tls } = yield* Servers
      const publicCas = yield* failsFast(RedisLayer.layer({ url: tls.url, connectTimeout: "30 seconds" }))
      const otherCa = yield* failsFast(
        RedisLayer.layer({ url: tls.url, connectTimeout: "30 seconds", tls: { caFile: certificates.otherCaFile } })
      )
      for (const error of [publicCas, otherCa]) {
        expect(error).toBeInstanceOf(Errors.RedisConnectionError)
        expect(error.message).toContain("not signed by a trusted CA")
        expect(error.message).toContain(`rediss://127.0.0.1:${tls.port}/0`)
      }
      // The wrong name, too: the certificate is for localhost and 127.0.0.1 only.
      const wrongName = yield* failsFast(
        RedisLayer.layer({
          url: tls.url,
          connectTimeout: "30 seconds",
          tls: { caFile: certificates.caFile, serverName: "redis.example" }
        })
      )
      expect(wrongName.message).toContain("not for this host name")
      // verify: false accepts it (encrypted, not authenticated: for development only).
      expect(yield* roundTrip(RedisLayer.layer({ url: tls.url, tls: { verify: false } }))).toBe("over TLS")
    })
  )

  it.effect("plain TCP to a TLS port, and TLS to a plain port, fail fast saying so", () =>
    Effect.gen(function* () {
      const { plain, tls } = yield* Servers
      const plainToTls = yield* failsFast(
        RedisLayer.layer({ url: tls.url.replace("rediss:", "redis:"), connectTimeout: "30 seconds" })
      )
      expect(plainToTls).toBeInstanceOf(Errors.RedisConnectionError)
      expect(plainToTls.message).toContain("a TLS port?")
      const tlsToPlain = yield* failsFast(
        RedisLayer.layer({ url: plain.url.replace("redis:", "rediss:"), connectTimeout: "30 seconds" })
      )
      expect(tlsToPlain).toBeInstanceOf(Errors.RedisConnectionError)
      expect(tlsToPlain.message).toContain("does not speak TLS")
    })
  )

  it.effect("mutual TLS: a client certificate is accepted, its absence fails fast; the key never shows", () =>
    Effect.gen(function* () {
      const { certificates, mutual } = yield* Servers
      const keyPem = readFileSync(certificates.clientKeyFile, "utf8")
      const withCertificate = RedisLayer.layer({
        url: mutual.url,
        tls: {
          caFile: certificates.caFile,
          certFile: certificates.clientCertFile,
          key: Redacted.make(keyPem)
        }
      })
      expect(yield* roundTrip(withCertificate)).toBe("over TLS")
      yield* roundTrip(RedisLayer.layerConfig()).pipe(
        withEnv({
          REDIS_URL: mutual.url,
          REDIS_TLS_CA_FILE: certificates.caFile,
          REDIS_TLS_CERT_FILE: certificates.clientCertFile,
          REDIS_TLS_KEY_FILE: certificates.clientKeyFile
        })
      )
      const without = yield* failsFast(
        RedisLayer.layer({ url: mutual.url, connectTimeout: "30 seconds", tls: { caFile: certificates.caFile } })
      )
      expect(without).toBeInstanceOf(Errors.RedisConnectionError)
      expect(without.message).toContain("client certificate")

      // A key from config is Redacted: a failure shows none of it.
      const keyBody = keyPem.split("\n")[1]!
      const configured = yield* failsFast(RedisLayer.layerConfig()).pipe(
        withEnv({
          REDIS_URL: mutual.url,
          REDIS_CONNECT_TIMEOUT: "30 seconds",
          REDIS_TLS_CA_FILE: certificates.otherCaFile,
          REDIS_TLS_CERT_FILE: certificates.clientCertFile,
          REDIS_TLS_KEY: keyPem
        })
      )
      for (const error of [without, configured]) expect(everythingShownBy(error)).not.toContain(keyBody)
    })
  )

  it.effect("bad TLS settings fail with InvalidOption or a config error before connecting", () =>
    Effect.gen(function* () {
      const { certificates, tls } = yield* Servers
      const missing = yield* buildFailure(RedisLayer.layer({ url: tls.url, tls: { caFile: "/nonexistent/ca.pem" } }))
      expect(missing).toMatchObject({ _tag: "InvalidOption", option: "tls.caFile" })
      expect(missing.message).toContain('"/nonexistent/ca.pem": ENOENT')
      const certWithoutKey = yield* buildFailure(
        RedisLayer.layer({ url: tls.url, tls: { certFile: certificates.clientCertFile } })
      )
      expect(certWithoutKey).toMatchObject({ _tag: "InvalidOption", option: "tls" })
      const plainKey = yield* buildFailure(
        RedisLayer.layer({ url: tls.url, tls: { key: "pem" as unknown as Redacted.Redacted<string> } })
      )
      expect(plainKey).toMatchObject({ _tag: "InvalidOption", option: "tls.key" })
      const nodeOption = yield* buildFailure(
        RedisLayer.layer({ url: tls.url, tls: { rejectUnauthorized: false } as RedisLayer.TlsOptions })
      )
      expect(nodeOption.message).toContain("ioredis.tls")
      const contradiction = yield* buildFailure(RedisLayer.layerConfig()).pipe(
        withEnv({ REDIS_URL: tls.url, REDIS_TLS: "false", REDIS_TLS_CA_FILE: certificates.caFile })
      )
      expect(contradiction._tag).toBe("ConfigError")
      expect(String(contradiction)).toContain("REDIS_TLS is false")
    })
  )
})
