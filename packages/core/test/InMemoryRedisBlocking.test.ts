import { describe, expect, it } from "@effect/vitest"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import { addNumbered, failure, ids, readableReads } from "./InMemoryRedisHelpers.js"

/**
 * Starts `effect` in a new fiber and runs it at once until it suspends, so
 * that a read has blocked (or finished) by the time this returns.
 */
const start = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.forkChild(effect, { startImmediately: true })

const isRunning = <A, E>(fiber: Fiber.Fiber<A, E>): boolean => fiber.pollUnsafe() === undefined

describe("InMemoryRedis blocking reads", () => {
  it.effect("a read blocked forever is woken by an add from another fiber", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xread([{ key: "s", id: "0" }], { blockMillis: 0 }))
      expect(isRunning(reader)).toBe(true)
      yield* redis.xadd("s", [["n", "x"]], { id: "1-0" })
      expect(readableReads(yield* Fiber.join(reader))).toEqual([
        { key: "s", entries: [{ id: "1-0", fields: [["n", "x"]] }] }
      ])
    })
  )

  it.effect("`$` in a blocking XREAD is the last ID when the read started", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "s", 1, 2)
      const connection = yield* redis.blockingConnection
      const reader = yield* start(
        connection.xread(
          [
            { key: "other", id: "$" },
            { key: "s", id: "$" }
          ],
          { blockMillis: 0 }
        )
      )
      yield* addNumbered(redis, "s", 3, 3)
      const reads = yield* Fiber.join(reader)
      expect(reads.map((read) => [read.key, ids(read.entries)])).toEqual([["s", ["3-0"]]])
    })
  )

  it.effect("readers blocked on one group are served in the order they blocked, each entry once", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const first = yield* redis.blockingConnection
      const second = yield* redis.blockingConnection
      const readOne = (connection: typeof first, consumer: string) =>
        connection.xreadgroup("g", consumer, [{ key: "s", id: ">" }], { blockMillis: 0, count: 1 })
      const reader1 = yield* start(readOne(first, "c1"))
      const reader2 = yield* start(readOne(second, "c2"))
      yield* addNumbered(redis, "s", 1, 1)
      expect(ids((yield* Fiber.join(reader1))[0]!.entries)).toEqual(["1-0"])
      expect(isRunning(reader2)).toBe(true)
      yield* addNumbered(redis, "s", 2, 2)
      expect(ids((yield* Fiber.join(reader2))[0]!.entries)).toEqual(["2-0"])
      expect(yield* redis.xpending("s", "g")).toMatchObject({
        count: 2,
        consumers: [
          { name: "c1", count: 1 },
          { name: "c2", count: 1 }
        ]
      })
    })
  )

  it.effect("a reader woken by xaddAll gets the batch, up to COUNT", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xread([{ key: "s", id: "0" }], { blockMillis: 0, count: 2 }))
      yield* redis.xaddAll("s", [[["n", "a"]], [["n", "b"]], [["n", "c"]]])
      const [read] = yield* Fiber.join(reader)
      expect(read!.entries.map((entry) => entry.fields)).toHaveLength(2)
    })
  )

  it.effect("the block timeout is measured with the Clock", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xreadgroup("g", "c", [{ key: "s", id: ">" }], { blockMillis: 1_000 }))
      yield* TestClock.adjust(999)
      expect(isRunning(reader)).toBe(true)
      yield* TestClock.adjust(1)
      expect(yield* Fiber.join(reader)).toEqual([])
      // The reader that timed out is gone: the next entry stays for the next read.
      yield* addNumbered(redis, "s", 1, 1)
      expect((yield* redis.xinfoGroups("s"))[0]!.lastDeliveredId).toBe("0-0")
    })
  )

  it.effect("closing the connection's scope fails a read blocked forever at once, and every later read", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const scope = yield* Scope.make()
      const connection = yield* Scope.provide(scope)(redis.blockingConnection)
      const read = connection.xreadgroup("g", "c", [{ key: "s", id: ">" }], { blockMillis: 0 })
      const reader = yield* start(read)
      yield* Scope.close(scope, Exit.void)
      expect(yield* failure(Fiber.join(reader))).toMatchObject({ _tag: "RedisConnectionError" })
      expect(yield* failure(read)).toMatchObject({ _tag: "RedisConnectionError" })
      yield* addNumbered(redis, "s", 1, 1)
      expect(yield* redis.xpending("s", "g")).toMatchObject({ count: 0 })
    })
  )

  it.effect("interrupting a blocked read leaves nothing behind to take entries", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { blockMillis: 0 }))
      yield* Fiber.interrupt(reader)
      yield* addNumbered(redis, "s", 1, 1)
      expect(yield* redis.xpending("s", "g")).toMatchObject({ count: 0 })
      // The connection is still usable.
      const [read] = yield* connection.xreadgroup("g", "c2", [{ key: "s", id: ">" }], { blockMillis: 0 })
      expect(ids(read!.entries)).toEqual(["1-0"])
    })
  )

  it.effect("reads on one connection run one at a time", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "ready", 1, 1)
      const connection = yield* redis.blockingConnection
      const blocked = yield* start(connection.xread([{ key: "s", id: "0" }], { blockMillis: 0 }))
      const queued = yield* start(connection.xread([{ key: "ready", id: "0" }], { blockMillis: 0 }))
      expect(isRunning(queued)).toBe(true)
      yield* addNumbered(redis, "s", 1, 1)
      expect((yield* Fiber.join(blocked))[0]!.key).toBe("s")
      expect((yield* Fiber.join(queued))[0]!.key).toBe("ready")
    })
  )

  it.effect("a group destroyed under a blocked XREADGROUP fails it with NOGROUP", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xreadgroup("g", "c", [{ key: "s", id: ">" }], { blockMillis: 0 }))
      yield* redis.xgroupDestroy("s", "g")
      expect(yield* failure(Fiber.join(reader))).toEqual({
        _tag: "RedisCommandError",
        command: "XREADGROUP",
        code: "NOGROUP",
        message: "NOGROUP the consumer group this client was blocked on no longer exists"
      })
    })
  )

  it.effect("a stream key deleted or expired under a blocked XREADGROUP fails it with UNBLOCKED", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const unblocked = { code: "UNBLOCKED", message: "UNBLOCKED the stream key no longer exists" }
      const connection = yield* redis.blockingConnection
      const blockOn = Effect.andThen(
        redis.xgroupCreate("s", "g", "$", { mkStream: true }),
        start(connection.xreadgroup("g", "c", [{ key: "s", id: ">" }], { blockMillis: 0 }))
      )
      const deleted = yield* blockOn
      yield* redis.del(["s"])
      expect(yield* failure(Fiber.join(deleted))).toMatchObject(unblocked)
      const overwritten = yield* blockOn
      yield* redis.set("s", "a string now")
      expect(yield* failure(Fiber.join(overwritten))).toMatchObject(unblocked)
      yield* redis.del(["s"])
      // Nobody touches the key: the reader still learns of its expiry, as Redis expires keys in the background.
      const expired = yield* blockOn
      yield* redis.pexpire("s", 500)
      yield* TestClock.adjust(501)
      expect(yield* failure(Fiber.join(expired))).toMatchObject(unblocked)
    })
  )

  it.effect("XREAD stays blocked through a deletion and is served by the next add past its cursor", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "s", 5, 5)
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xread([{ key: "s", id: "$" }], { blockMillis: 0 }))
      yield* redis.del(["s"])
      yield* addNumbered(redis, "s", 1, 1)
      expect(isRunning(reader)).toBe(true)
      yield* addNumbered(redis, "s", 6, 6)
      expect(ids((yield* Fiber.join(reader))[0]!.entries)).toEqual(["6-0"])
    })
  )

  it.effect("a history read never blocks", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      expect(yield* connection.xreadgroup("g", "c", [{ key: "s", id: "0" }], { blockMillis: 0 })).toEqual([
        { key: "s", entries: [] }
      ])
      expect(yield* failure(connection.xread([{ key: "s", id: "0" }], { blockMillis: -1 }))).toMatchObject({
        message: "ERR timeout is negative"
      })
    })
  )

  it.effect("closing the store's scope closes its connections and fails later commands", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const redis = yield* Scope.provide(scope)(InMemoryRedis.make)
      const connection = yield* redis.blockingConnection
      const reader = yield* start(connection.xread([{ key: "s", id: "0" }], { blockMillis: 0 }))
      yield* Scope.close(scope, Exit.void)
      expect(yield* failure(Fiber.join(reader))).toMatchObject({ _tag: "RedisConnectionError" })
      expect(yield* failure(redis.xlen("s"))).toMatchObject({ _tag: "RedisConnectionError" })
      expect(yield* failure(Effect.scoped(redis.blockingConnection))).toMatchObject({ _tag: "RedisConnectionError" })
    })
  )
})
