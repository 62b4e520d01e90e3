import { describe, expect, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Exit, Fiber, Scope } from "effect"
import type { Redis } from "ioredis"
import { blockedClients, bytesOf, eventually, inspector, uniqueKey, whenReconnected } from "./helpers.js"

const blockedCount = (side: Redis, count: number) =>
  eventually(
    Effect.map(blockedClients(side), (blocked) => blocked === count),
    `${count} blocked clients`
  )

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("blocking connections on a real Redis", (it) => {
  describe("reads", () => {
    it.effect("an XREAD blocked forever returns what the shared connection adds meanwhile", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("wake")
        const cursor = (yield* redis.xadd(key, [["n", "first"]]))!
        const connection = yield* redis.blockingConnection
        const read = yield* Effect.forkChild(connection.xread([{ key, id: cursor }], { blockMillis: 0 }))
        // The read is blocked in Redis, and the shared connection still answers.
        yield* blockedCount(side, 1)
        const added = yield* redis.xadd(key, [
          ["n", "second"],
          ["p", new Uint8Array([0, 1, 255])]
        ])
        const reads = yield* Fiber.join(read)
        expect(reads.map((r) => ({ key: r.key, ids: r.entries.map((entry) => entry.id) }))).toEqual([
          { key, ids: [added] }
        ])
        expect(bytesOf(reads[0]!.entries[0]!.fields[1]![1])).toEqual([0, 1, 255])
        yield* blockedCount(side, 0)
      })
    )

    it.effect("a block that times out returns an empty array", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const connection = yield* redis.blockingConnection
        const key = uniqueKey("timeout")
        expect(yield* connection.xread([{ key, id: "$" }], { blockMillis: 20, count: 10 })).toEqual([])
        yield* redis.xgroupCreate(key, "g", "$", { mkStream: true })
        expect(yield* connection.xreadgroup("g", "c", [{ key, id: ">" }], { blockMillis: 20 })).toEqual([])
      })
    )

    it.effect("an XREADGROUP blocked forever gets the next entry; errors keep their code", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("group")
        yield* redis.xgroupCreate(key, "g", "$", { mkStream: true })
        const connection = yield* redis.blockingConnection
        const read = yield* Effect.forkChild(
          connection.xreadgroup("g", "c", [{ key, id: ">" }], { blockMillis: 0, count: 5, noAck: true })
        )
        yield* blockedCount(side, 1)
        const added = yield* redis.xadd(key, [["n", "x"]])
        const reads = yield* Fiber.join(read)
        expect(reads[0]!.entries.map((entry) => entry.id)).toEqual([added])
        expect((yield* redis.xpending(key, "g")).count).toBe(0)
        const error = yield* Effect.flip(connection.xreadgroup("nope", "c", [{ key, id: ">" }], { blockMillis: 10 }))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XREADGROUP", code: "NOGROUP" })
      })
    )
  })

  describe("closing and interrupting", () => {
    it.effect("closing the scope aborts an XREAD that blocks forever, and later reads fail the same way", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("close")
        const scope = yield* Scope.make()
        const connection = yield* Scope.provide(scope)(redis.blockingConnection)
        const read = yield* Effect.forkChild(connection.xread([{ key, id: "$" }], { blockMillis: 0 }))
        yield* blockedCount(side, 1)
        yield* Scope.close(scope, Exit.void)
        const error = yield* Effect.flip(Fiber.join(read))
        expect(error._tag).toBe("RedisConnectionError")
        const later = yield* Effect.flip(connection.xread([{ key, id: "0-0" }], { blockMillis: 0 }))
        expect(later._tag).toBe("RedisConnectionError")
        // Redis let go of the blocked client: the socket was dropped, not left behind.
        yield* blockedCount(side, 0)
      })
    )

    it.effect("closing the scope aborts an XREADGROUP that blocks forever", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("closegroup")
        yield* redis.xgroupCreate(key, "g", "$", { mkStream: true })
        const scope = yield* Scope.make()
        const connection = yield* Scope.provide(scope)(redis.blockingConnection)
        const read = yield* Effect.forkChild(connection.xreadgroup("g", "c", [{ key, id: ">" }], { blockMillis: 0 }))
        yield* blockedCount(side, 1)
        yield* Scope.close(scope, Exit.void)
        expect((yield* Effect.flip(Fiber.join(read)))._tag).toBe("RedisConnectionError")
        yield* blockedCount(side, 0)
      })
    )

    it.effect("an interrupted read leaves the connection usable: the next read does not wait behind it", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const quiet = uniqueKey("quiet")
        const busy = uniqueKey("busy")
        const connection = yield* redis.blockingConnection
        // Blocked on a stream nothing is ever added to: on the same socket, anything sent next would wait forever.
        const stuck = yield* Effect.forkChild(connection.xread([{ key: quiet, id: "$" }], { blockMillis: 0 }))
        yield* blockedCount(side, 1)
        yield* Fiber.interrupt(stuck)
        yield* blockedCount(side, 0)
        const added = yield* redis.xadd(busy, [["n", "x"]])
        const reads = yield* connection.xread([{ key: busy, id: "0-0" }], { blockMillis: 0 })
        expect(reads[0]!.entries.map((entry) => entry.id)).toEqual([added])
      })
    )

    it.effect("a read in flight when the connection drops fails, and the next read reconnects", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        const key = uniqueKey("dropped")
        const connection = yield* redis.blockingConnection
        const read = yield* Effect.forkChild(connection.xread([{ key, id: "$" }], { blockMillis: 0 }))
        yield* blockedCount(side, 1)
        yield* server.killClients
        expect((yield* Effect.flip(Fiber.join(read)))._tag).toBe("RedisConnectionError")
        const added = yield* whenReconnected(redis.xadd(key, [["n", "x"]]))
        const reads = yield* connection.xread([{ key, id: "0-0" }], { blockMillis: 0 })
        expect(reads[0]!.entries.map((entry) => entry.id)).toEqual([added])
      })
    )
  })
})
