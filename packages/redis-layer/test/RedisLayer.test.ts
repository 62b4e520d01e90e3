import * as net from "node:net"
import { describe, expect, it, layer, vi } from "@effect/vitest"
import { Errors, RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { ConfigProvider, Context, Effect, Fiber, Layer, Redacted } from "effect"
import { Redis } from "ioredis"
import {
  buildFailure,
  callsBetween,
  commandCalls,
  eventually,
  everythingShownBy,
  inspector,
  uniqueKey,
  whenReconnected
} from "./helpers.js"

/**
 * A TCP listener that accepts connections, never answers, and counts them.
 * `connectionsSoFar` opens a probe connection that says "probe" and waits
 * until the listener hears it: connections are accepted in order, so every
 * connection opened before the call has been counted by then.
 */
const listener = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ server: net.Server; port: number; connectionsSoFar: () => Promise<number> }>((resolve) => {
        let counted = 0
        const sockets = new Set<net.Socket>()
        const waiting: Array<(count: number) => void> = []
        const server = net.createServer((socket) => {
          sockets.add(socket)
          counted++
          socket.on("error", () => {})
          socket.once("data", (data) => {
            if (data.toString() !== "probe") return
            counted--
            waiting.shift()?.(counted)
          })
        })
        server.on("close", () => {
          for (const socket of sockets) socket.destroy()
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as net.AddressInfo
          const connectionsSoFar = () =>
            new Promise<number>((done) => {
              waiting.push(done)
              const probe = net.connect(port, "127.0.0.1", () => probe.write("probe"))
              sockets.add(probe)
              probe.on("error", () => {})
            })
          resolve({ server, port, connectionsSoFar })
        })
      })
  ),
  ({ server }) =>
    Effect.sync(() => {
      server.close()
      server.emit("close")
    })
)

/** A port nothing listens on. */
const deadPort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = net.createServer()
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        server.close(() => resolve(port))
      })
    })
)

const password = "S3cr3t-Pa55w0rd"

describe("RedisLayer.layer options", () => {
  const invalid: ReadonlyArray<readonly [string, (port: number) => RedisLayer.Options, string]> = [
    ["a malformed URL", () => ({ url: "redis://127.0.0.1:port" }), "url"],
    ["a URL that is not a URL at all", () => ({ url: "not a url" }), "url"],
    ["the http: scheme", (port) => ({ url: `http://127.0.0.1:${port}` }), "url"],
    ["a URL with port 0", () => ({ url: "redis://127.0.0.1:0" }), "url"],
    ["a URL with port 70000", () => ({ url: "redis://127.0.0.1:70000" }), "url"],
    ["a URL whose path is not a database", (port) => ({ url: `redis://127.0.0.1:${port}/x` }), "url"],
    ["a URL with a query", (port) => ({ url: `redis://127.0.0.1:${port}?family=6` }), "url"],
    ["port 0", () => ({ host: "127.0.0.1", port: 0 }), "port"],
    ["port 70000", () => ({ host: "127.0.0.1", port: 70000 }), "port"],
    ["port 1.5", () => ({ host: "127.0.0.1", port: 1.5 }), "port"],
    ["a negative db", (port) => ({ host: "127.0.0.1", port, db: -1 }), "db"],
    ["a fractional db", (port) => ({ host: "127.0.0.1", port, db: 0.5 }), "db"],
    ["an empty host", (port) => ({ host: "", port }), "host"],
    ["a zero connectTimeout", (port) => ({ host: "127.0.0.1", port, connectTimeout: 0 }), "connectTimeout"],
    ["an infinite connectTimeout", (port) => ({ port, connectTimeout: "Infinity" }), "connectTimeout"],
    ["a plain-string password", (port) => ({ port, password: "x" as never }), "password"],
    ["a keyPrefix", (port) => ({ port, ioredis: { keyPrefix: "app:" } }), "ioredis.keyPrefix"]
  ]
  for (const [name, options, option] of invalid) {
    it.live(`${name} fails with InvalidOption at build, before connecting`, () =>
      Effect.gen(function* () {
        const { port, connectionsSoFar } = yield* listener
        const error = yield* buildFailure(RedisLayer.layer(options(port)))
        expect(error).toBeInstanceOf(Errors.InvalidOption)
        expect(error).toMatchObject({ _tag: "InvalidOption", option })
        expect(yield* Effect.promise(connectionsSoFar)).toBe(0)
      })
    )
  }
})

describe("RedisLayer.layer connecting", () => {
  it.live("fails with RedisConnectionError within connectTimeout when nothing listens", () =>
    Effect.gen(function* () {
      const port = yield* deadPort
      const error = yield* buildFailure(
        RedisLayer.layer({ port, host: "127.0.0.1", connectTimeout: "300 millis" })
      ).pipe(Effect.timeout("5 seconds"))
      expect(error).toBeInstanceOf(Errors.RedisConnectionError)
      expect(error.message).toContain(`redis://127.0.0.1:${port}/0`)
      expect(error.message).toContain("ECONNREFUSED")
    })
  )

  it.live("fails with RedisConnectionError within connectTimeout when the server never answers", () =>
    Effect.gen(function* () {
      const { port, connectionsSoFar } = yield* listener
      const error = yield* buildFailure(RedisLayer.layer({ port, host: "127.0.0.1", connectTimeout: 300 })).pipe(
        Effect.timeout("5 seconds")
      )
      expect(error).toMatchObject({ _tag: "RedisConnectionError" })
      expect(error.message).toContain("not ready within 300 ms")
      expect(yield* Effect.promise(connectionsSoFar)).toBeGreaterThan(0)
    })
  )
})

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("RedisLayer on a real Redis", (it) => {
  describe("passwords never show", () => {
    it.effect("not in errors, causes or console output, whether the server is down, refuses or fails", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        const lines: Array<string> = []
        for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
          const spy = vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
            lines.push(args.map(String).join(" "))
          })
          yield* Effect.addFinalizer(() => Effect.sync(() => spy.mockRestore()))
        }
        const user = `user-${crypto.randomUUID().slice(0, 8)}`
        yield* Effect.promise(() => side.call("ACL", "SETUSER", user, "on", `>${password}`, "~*", "&*", "+@all"))
        const shown: Array<string> = []

        const port = yield* deadPort
        const down = yield* buildFailure(
          RedisLayer.layer({ url: `redis://${user}:${password}@127.0.0.1:${port}/0`, connectTimeout: 200 })
        )
        expect(down._tag).toBe("RedisConnectionError")
        expect(down.message).toContain(`redis://${user}:***@127.0.0.1:${port}/0`)
        shown.push(everythingShownBy(down))

        const refused = yield* buildFailure(
          RedisLayer.layer({
            host: server.host,
            port: server.port,
            username: user,
            password: Redacted.make(`not-${password}`)
          })
        )
        expect(refused._tag).toBe("RedisConnectionError")
        expect(refused.message).toContain("WRONGPASS")
        shown.push(everythingShownBy(refused))

        const invalid = yield* buildFailure(RedisLayer.layer({ url: `redis://${user}:${password}@127.0.0.1:0` }))
        expect(invalid._tag).toBe("InvalidOption")
        shown.push(everythingShownBy(invalid))
        const unparsable = yield* buildFailure(RedisLayer.layer({ url: `redis://${user}:${password}@ho st:1` }))
        expect(unparsable._tag).toBe("InvalidOption")
        shown.push(everythingShownBy(unparsable))

        yield* Effect.scoped(
          Effect.gen(function* () {
            const context = yield* Layer.build(
              RedisLayer.layer({
                host: server.host,
                port: server.port,
                username: user,
                password: Redacted.make(password)
              })
            )
            const redis = Context.get(context, RedisClient.RedisClient)
            const key = uniqueKey("secret")
            yield* redis.set(key, "v")
            shown.push(everythingShownBy(yield* Effect.flip(redis.xlen(key))))
            yield* server.killClients
            const lost = yield* Effect.flip(redis.get(key))
            expect(lost._tag).toBe("RedisConnectionError")
            shown.push(everythingShownBy(lost))
            expect(yield* whenReconnected(redis.get(key))).toBe("v")
          })
        )

        const everything = [...shown, ...lines].join("\n")
        expect(everything).not.toContain(password)
        expect(everything).toContain("***")
      })
    )
  })

  describe("lifecycle", () => {
    it.effect("closes its connection with QUIT when the scope ends; the service fails afterwards", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        // Other tests' connections come and go on the same server: count only this layer's, by name.
        const connectionName = uniqueKey("quit-test")
        const clients = Effect.map(
          Effect.promise(() => side.client("LIST") as Promise<string>),
          (list) => list.split("\n").filter((line) => line.includes(` name=${connectionName} `)).length
        )
        const key = uniqueKey("closed")
        const calls = yield* commandCalls(side)
        const redis = yield* Effect.scoped(
          Effect.gen(function* () {
            const redis = Context.get(
              yield* Layer.build(RedisLayer.layer({ url: server.url, ioredis: { connectionName } })),
              RedisClient.RedisClient
            )
            yield* redis.set(key, "v")
            expect(yield* clients).toBe(1)
            return redis
          })
        )
        yield* eventually(
          Effect.map(clients, (count) => count === 0),
          "the connection closed"
        )
        // At least this layer's QUIT (a connection of another test may close meanwhile).
        expect(callsBetween(calls, yield* commandCalls(side)).quit).toBeGreaterThanOrEqual(1)
        expect((yield* Effect.flip(redis.get(key)))._tag).toBe("RedisConnectionError")
      })
    )
  })

  describe("sending", () => {
    it.effect("commands issued together reach Redis in the order issued, the lone first one included", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const redis = Context.get(yield* Layer.build(RedisLayer.layer({ url: server.url })), RedisClient.RedisClient)
        const key = uniqueKey("order")
        const wave = (from: number) =>
          Effect.forEach(
            Array.from({ length: 50 }, (_, i) => from + i),
            (i) => redis.xadd(key, [["n", String(i)]]),
            { concurrency: "unbounded" }
          )
        // In each wave the first add is written at once (nothing in flight), the rest into the
        // socket corked until the next turn of the event loop; a lone add follows each wave.
        const ids = [
          ...(yield* wave(0)),
          yield* redis.xadd(key, [["n", "50"]]),
          ...(yield* wave(51)),
          yield* redis.xadd(key, [["n", "101"]])
        ]
        const entries = yield* redis.xrange(key, "-", "+")
        expect(entries.map((entry) => Buffer.from(entry.fields[0]![1]).toString())).toEqual(
          Array.from({ length: 102 }, (_, i) => String(i))
        )
        expect(entries.map((entry) => entry.id)).toEqual(ids)
      })
    )
  })

  describe("connection loss", () => {
    it.effect("a command fails with RedisConnectionError once the server is killed, and works after a restart", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const server = yield* RedisTestServer.RedisTestServer
        const url = server.url
        const key = uniqueKey("restart")
        yield* whenReconnected(redis.xadd(key, [["n", "before"]]))
        yield* server.kill
        const error = yield* Effect.flip(redis.xadd(key, [["n", "during"]]))
        expect(error).toBeInstanceOf(Errors.RedisConnectionError)
        yield* server.restart
        expect(server.url).toBe(url)
        // No persistence: the restarted server is empty.
        expect(yield* whenReconnected(redis.xlen(key))).toBe(0)
        expect(yield* redis.xadd(key, [["n", "after"]])).toMatch(/^\d+-\d+$/)
      })
    )

    it.effect("a command in flight when the connection drops fails promptly", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const server = yield* RedisTestServer.RedisTestServer
        yield* whenReconnected(redis.get("ping"))
        yield* server.pause
        const inFlight = yield* Effect.forkChild(redis.xadd(uniqueKey("inflight"), [["n", "x"]]))
        yield* server.kill
        const error = yield* Effect.flip(Fiber.join(inFlight))
        expect(error._tag).toBe("RedisConnectionError")
        yield* server.restart
        yield* whenReconnected(redis.get("ping"))
      })
    )

    it.effect("pause holds commands until resume", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const server = yield* RedisTestServer.RedisTestServer
        const key = uniqueKey("paused")
        yield* whenReconnected(redis.set(key, "v"))
        yield* server.pause
        expect(yield* redis.get(key).pipe(Effect.timeoutOption("200 millis"))).toMatchObject({ _tag: "None" })
        const waiting = yield* Effect.forkChild(redis.get(key))
        yield* server.resume
        expect(yield* Fiber.join(waiting)).toBe("v")
      })
    )

    it.effect("killClients drops the connection; the client reconnects by itself", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const server = yield* RedisTestServer.RedisTestServer
        const key = uniqueKey("dropped")
        yield* whenReconnected(redis.set(key, "v"))
        expect(yield* server.killClients).toBeGreaterThanOrEqual(1)
        expect(yield* whenReconnected(redis.get(key))).toBe("v")
      })
    )
  })

  describe("fromClient", () => {
    it.effect("uses the given client without closing it, and closes the blocking duplicates", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        const clients = Effect.map(
          Effect.promise(() => side.client("LIST") as Promise<string>),
          (list) => list.trim().split("\n").length
        )
        const client = new Redis({ host: server.host, port: server.port, lazyConnect: true })
        yield* Effect.promise(() => client.connect())
        yield* Effect.addFinalizer(() => Effect.sync(() => client.disconnect()))
        const before = yield* clients
        const key = uniqueKey("owned")
        yield* Effect.scoped(
          Effect.gen(function* () {
            const redis = Context.get(yield* Layer.build(RedisLayer.fromClient(client)), RedisClient.RedisClient)
            yield* redis.set(key, "v")
            const connection = yield* redis.blockingConnection
            expect(yield* connection.xread([{ key: uniqueKey("none"), id: "$" }], { blockMillis: 10 })).toEqual([])
            expect(yield* clients).toBe(before + 1)

            // The client speaks RESP3 (ioredis's default): replies still decode to the same records.
            const stream = uniqueKey("resp3")
            const id = (yield* redis.xadd(stream, [
              ["n", "x"],
              ["p", new Uint8Array([0, 255])]
            ]))!
            yield* redis.xgroupCreate(stream, "g", "0")
            const read = yield* connection.xreadgroup("g", "c", [{ key: stream, id: ">" }], { blockMillis: 10 })
            expect(read.map((r) => [r.key, r.entries.map((entry) => entry.id)])).toEqual([[stream, [id]]])
            expect(Array.from(read[0]!.entries[0]!.fields![1]![1])).toEqual([0, 255])
            expect((yield* redis.xread([{ key: stream, id: "0-0" }]))[0]!.entries[0]!.id).toBe(id)
            expect(yield* redis.xinfoStream(stream)).toEqual({
              length: 1,
              lastGeneratedId: id,
              entriesAdded: 1,
              groups: 1
            })
            expect(yield* redis.xpending(stream, "g")).toEqual({
              count: 1,
              smallestId: id,
              largestId: id,
              consumers: [{ name: "c", count: 1 }]
            })
            expect(yield* redis.xaddAll(stream, [[["n", "y"]]])).toHaveLength(1)
            yield* redis.hset(`${key}:hash`, "f", "v")
            expect(yield* redis.hgetall(`${key}:hash`)).toEqual({ f: "v" })
          })
        )
        yield* eventually(
          Effect.map(clients, (count) => count === before),
          "the duplicate closed"
        )
        expect(client.status).toBe("ready")
        expect(yield* Effect.promise(() => client.get(key))).toBe("v")
      })
    )

    it.effect("refuses a client with a keyPrefix", () =>
      Effect.gen(function* () {
        const client = new Redis({ lazyConnect: true, keyPrefix: "app:" })
        const error = yield* buildFailure(RedisLayer.fromClient(client))
        expect(error).toMatchObject({ _tag: "InvalidOption", option: "client.options.keyPrefix" })
      })
    )
  })

  describe("layerConfig", () => {
    it.effect("reads REDIS_URL, or REDIS_HOST/REDIS_PORT/REDIS_DB", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        const key = uniqueKey("config")
        const withEnv = (env: Record<string, string>) =>
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env))
        yield* Effect.scoped(
          Effect.gen(function* () {
            const redis = Context.get(yield* Layer.build(RedisLayer.layerConfig()), RedisClient.RedisClient)
            yield* redis.set(key, "url")
          })
        ).pipe(withEnv({ REDIS_URL: server.url }))
        yield* Effect.scoped(
          Effect.gen(function* () {
            const redis = Context.get(yield* Layer.build(RedisLayer.layerConfig()), RedisClient.RedisClient)
            yield* redis.set(key, "db 3")
          })
        ).pipe(withEnv({ REDIS_HOST: server.host, REDIS_PORT: String(server.port), REDIS_DB: "3" }))
        expect(yield* Effect.promise(() => side.get(key))).toBe("url")
        yield* Effect.promise(() => side.select(3))
        expect(yield* Effect.promise(() => side.get(key))).toBe("db 3")

        const badPort = yield* buildFailure(RedisLayer.layerConfig()).pipe(withEnv({ REDIS_PORT: "70000" }))
        expect(badPort._tag).toBe("ConfigError")
      })
    )
  })
})
