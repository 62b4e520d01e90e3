import * as net from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { ConfigProvider, Context, Effect, Fiber, Layer, Result, Schedule } from "effect"
import { uniqueKey, whenReconnected } from "./helpers.js"

/**
 * Whether the server answers PING within 300 ms, through a throwaway socket
 * (a stopped or paused server does not: the first refuses the connection,
 * the second never replies).
 */
const answers = (server: RedisTestServer.Service) =>
  Effect.promise(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(server.port, server.host, () => socket.write("PING\r\n"))
        const finish = (answered: boolean) => {
          clearTimeout(timer)
          socket.destroy()
          resolve(answered)
        }
        const timer = setTimeout(() => finish(false), 300)
        socket.on("data", (data) => finish(data.toString().startsWith("+PONG")))
        socket.on("error", () => finish(false))
      })
  )

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("RedisTestServer, owned", (it) => {
  it.effect("starts a redis-server on a loopback port", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      expect(server.kind).toBe("process")
      expect(server.host).toBe("127.0.0.1")
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
      expect(server.port).not.toBe(6379)
      expect(yield* answers(server)).toBe(true)
    })
  )

  it.effect("stop and kill end the server, restart brings it back on the same port, empty", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("kept")
      yield* whenReconnected(redis.set(key, "v"))
      yield* server.stop
      expect(yield* answers(server)).toBe(false)
      yield* server.stop
      yield* server.restart
      expect(yield* answers(server)).toBe(true)
      expect(yield* whenReconnected(redis.get(key))).toBeNull()
      yield* server.kill
      expect(yield* answers(server)).toBe(false)
      const notRunning = yield* Effect.flip(server.pause)
      expect(notRunning).toMatchObject({ _tag: "RedisTestServerError", operation: "pause" })
      yield* server.restart
      expect(yield* answers(server)).toBe(true)
    })
  )

  it.effect("pause stops the server from answering until resume; stop works on a paused server", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      yield* server.pause
      expect(yield* answers(server)).toBe(false)
      yield* server.resume
      expect(yield* answers(server)).toBe(true)
      yield* server.pause
      yield* server.stop
      yield* server.restart
      expect(yield* answers(server)).toBe(true)
    })
  )

  it.effect("killClients drops the connections and flushAll empties the server", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("flushed")
      yield* whenReconnected(redis.set(key, "v"))
      expect(yield* server.killClients).toBe(1)
      yield* server.flushAll
      expect(yield* whenReconnected(redis.get(key))).toBeNull()
    })
  )

  it.effect("restartKeepingData keeps every acknowledged write; a plain restart after it starts empty", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("persisted")
      yield* whenReconnected(redis.set(key, "v"))
      yield* server.restartKeepingData
      expect(yield* whenReconnected(redis.get(key))).toBe("v")
      yield* server.restart
      expect(yield* whenReconnected(redis.get(key))).toBeNull()
    })
  )

  it.effect("unblockClients fails a blocked read with UNBLOCKED; killBlockedClients drops its connection", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("blocked")
      yield* whenReconnected(redis.exists([key]))
      const blockedRead = Effect.gen(function* () {
        const connection = yield* redis.blockingConnection
        return yield* Effect.flip(connection.xread([{ key, id: "$" }], { blockMillis: 0 }))
      }).pipe(Effect.scoped, Effect.forkScoped)
      // Each operation is repeated until the read has reached Redis and blocked there.
      const untilOne = (operation: Effect.Effect<number, RedisTestServer.OperationError>) =>
        Effect.repeat(operation, { until: (count) => count === 1, schedule: Schedule.spaced("10 millis") })

      const unblocked = yield* blockedRead
      yield* untilOne(server.unblockClients)
      expect(yield* Fiber.join(unblocked)).toMatchObject({ _tag: "RedisCommandError", code: "UNBLOCKED" })

      const killed = yield* blockedRead
      yield* untilOne(server.killBlockedClients)
      expect(yield* Fiber.join(killed)).toMatchObject({ _tag: "RedisConnectionError" })
      expect(yield* redis.exists([key])).toBe(0)
    })
  )

  it.effect("a server from REDIS_URL is never disturbed", () =>
    Effect.gen(function* () {
      const owned = yield* RedisTestServer.RedisTestServer
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("external")
      yield* whenReconnected(redis.set(key, "kept"))
      const url = owned.url.replace("redis://", "redis://someone:hunter2-secret@")
      const external = yield* RedisTestServer.make({ allowExternal: true }).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown({ REDIS_URL: url }))
      )
      expect(external).toMatchObject({ kind: "external", url, host: owned.host, port: owned.port })
      const operations = {
        stop: external.stop,
        kill: external.kill,
        pause: external.pause,
        resume: external.resume,
        restart: external.restart,
        restartKeepingData: external.restartKeepingData,
        killClients: external.killClients,
        killBlockedClients: external.killBlockedClients,
        unblockClients: external.unblockClients,
        flushAll: external.flushAll
      }
      for (const [name, operation] of Object.entries(operations)) {
        const error = yield* Effect.flip(operation as Effect.Effect<unknown, RedisTestServer.OperationError>)
        expect(error).toMatchObject({ _tag: "RedisTestServerUnsupported", operation: name, kind: "external" })
        expect(error.message).not.toContain("hunter2-secret")
      }
      expect(yield* redis.get(key)).toBe("kept")
      expect(yield* answers(owned)).toBe(true)
    })
  )
})

describe("RedisTestServer without Redis", () => {
  it.live("says how to get Redis when no server can be started", () =>
    Effect.gen(function* () {
      const path = process.env.PATH
      process.env.PATH = "/nonexistent"
      const result = yield* Effect.scoped(
        Effect.map(
          Layer.build(RedisTestServer.layerOwned),
          (context) => Context.get(context, RedisTestServer.RedisTestServer).kind
        )
      ).pipe(Effect.result, Effect.ensuring(Effect.sync(() => (process.env.PATH = path))))
      if (Result.isSuccess(result)) {
        // Only a Docker engine can provide a server without redis-server on PATH.
        expect(result.success).toBe("container")
      } else {
        expect(result.failure).toMatchObject({ _tag: "RedisTestServerError", operation: "start" })
        expect(result.failure.message).toContain("redis-server was not found on PATH")
        expect(result.failure.message).toContain("REDIS_URL")
      }
    })
  )
})
