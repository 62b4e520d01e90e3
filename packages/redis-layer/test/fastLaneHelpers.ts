/**
 * Shared pieces of the fast lane tests (`fastLane*.test.ts`, `decoders.test.ts`):
 * layers with and without the lane, plain ioredis clients, and a look at
 * which connection carried which command (`CLIENT LIST`).
 */
import { type Errors, RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Context, Effect, Layer, type Scope } from "effect"
import { Redis } from "ioredis"
import { reconnectDelay } from "../src/internal/options.js"
import { eventually, uniqueKey } from "./helpers.js"

/** Bytes that look like RESP inside a payload: CR LF, a bulk header, NUL, 0xFF. */
export const tricky = new Uint8Array([...Buffer.from("a\r\n$3\r\n*1\r\n:7\r\n"), 0, 13, 10, 255, 13])

/** A scrubber that hides nothing: these tests have no secret to hide from it. */
export const identity = (text: string) => text

/** A `RedisClient` built in the test's scope on the harness server. */
type Built = Effect.Effect<
  RedisClient.Service,
  Errors.InvalidOption | Errors.RedisConnectionError,
  RedisTestServer.RedisTestServer | Scope.Scope
>

/** A layer with the fast lane, its connections named `name`. */
export const withLane = (name: string, options: RedisLayer.Options = {}): Built =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    const context = yield* Layer.build(
      RedisLayer.layer({ url: server.url, ...options, ioredis: { connectionName: name, ...options.ioredis } })
    )
    return Context.get(context, RedisClient.RedisClient)
  })

/** A plain ioredis client with the layer's settings, connected; closed with the scope. */
export const ioredisClient = (options: { username?: string; password?: string } = {}) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    return yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const client = new Redis({
          host: server.host,
          port: server.port,
          protocol: 2,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: reconnectDelay,
          lazyConnect: true,
          ...options
        })
        client.on("error", () => {})
        await client.connect()
        return client
      }),
      (client) => Effect.sync(() => client.disconnect())
    )
  })

/** The same service without a lane: every command through ioredis on one connection (`fromClient`). */
export const throughIoredis = (options: { username?: string; password?: string } = {}): Built =>
  Effect.gen(function* () {
    const client = yield* ioredisClient(options)
    return Context.get(yield* Layer.build(RedisLayer.fromClient(client)), RedisClient.RedisClient)
  })

/** The connections named `name`: their last command and flags, from `CLIENT LIST`. */
export const connectionsNamed = (side: Redis, name: string) =>
  Effect.map(
    Effect.promise(() => side.client("LIST") as Promise<string>),
    (list) =>
      list
        .split("\n")
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => ({
          cmd: /\bcmd=(\S+)/.exec(line)?.[1] ?? "",
          flags: /\bflags=(\S+)/.exec(line)?.[1] ?? ""
        }))
  )

/** The last commands of the connections named `name`, sorted. */
export const lastCommands = (side: Redis, name: string) =>
  Effect.map(connectionsNamed(side, name), (connections) => connections.map((connection) => connection.cmd).sort())

/**
 * Waits until `hot` runs on a connection of its own: an `XLEN` (the shared
 * connection) then `hot` leave two connections named `name` whose last
 * commands are `XLEN` and `expected`.
 */
export const laneCarries = <A, E>(
  redis: RedisClient.Service,
  side: Redis,
  name: string,
  hot: Effect.Effect<A, E>,
  expected: string
) =>
  eventually(
    Effect.gen(function* () {
      yield* Effect.ignore(redis.xlen(uniqueKey("lane-probe")))
      yield* Effect.ignore(hot)
      return (yield* lastCommands(side, name)).join(",") === [expected, "xlen"].sort().join(",")
    }),
    `${expected} on the lane's own connection`
  )

/** Waits until an `XADD` runs on the lane's own connection (see `laneCarries`). */
export const laneCarriesAdds = (redis: RedisClient.Service, side: Redis, name: string) =>
  laneCarries(redis, side, name, redis.xadd(uniqueKey("lane-probe"), [["n", "probe"]]), "xadd")
