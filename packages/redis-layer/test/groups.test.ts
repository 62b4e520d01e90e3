import { describe, expect, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { bytesOf, uniqueKey, utf8 } from "./helpers.js"

/** A stream with `count` entries (`n` = 1, 2, ...) and a group `g` at its start. */
const streamWithGroup = (name: string, count: number) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient.RedisClient
    const key = uniqueKey(name)
    const ids: Array<string> = []
    for (let i = 1; i <= count; i++) ids.push((yield* redis.xadd(key, [["n", String(i)]]))!)
    yield* redis.xgroupCreate(key, "g", "0")
    return { redis, key, ids }
  })

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("consumer groups on a real Redis", (it) => {
  describe("xgroupCreate and xreadgroup", () => {
    it.effect("create a group, refuse a second one with BUSYGROUP, create the stream with MKSTREAM", () =>
      Effect.gen(function* () {
        const { redis, key } = yield* streamWithGroup("create", 1)
        const busy = yield* Effect.flip(redis.xgroupCreate(key, "g", "$"))
        expect(busy).toMatchObject({ _tag: "RedisCommandError", command: "XGROUP", code: "BUSYGROUP" })
        const missing = uniqueKey("mkstream")
        const noStream = yield* Effect.flip(redis.xgroupCreate(missing, "g", "$"))
        expect(noStream).toMatchObject({ _tag: "RedisCommandError", code: "ERR" })
        yield* redis.xgroupCreate(missing, "g", "$", { mkStream: true })
        expect(yield* redis.xlen(missing)).toBe(0)
      })
    )

    it.effect("deliver new entries once, and fail with NOGROUP for an unknown group", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("deliver", 3)
        const first = yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }], { count: 2 })
        expect(first.map((read) => ({ key: read.key, ids: read.entries.map((entry) => entry.id) }))).toEqual([
          { key, ids: ids.slice(0, 2) }
        ])
        const entry = first[0]!.entries[0]!
        expect(entry.fields?.map(([field, value]) => [field, bytesOf(value)])).toEqual([["n", bytesOf(utf8("1"))]])
        const rest = yield* redis.xreadgroup("g", "c2", [{ key, id: ">" }])
        expect(rest[0]!.entries.map((e) => e.id)).toEqual([ids[2]])
        expect(yield* redis.xreadgroup("g", "c2", [{ key, id: ">" }])).toEqual([])

        const error = yield* Effect.flip(redis.xreadgroup("nope", "c1", [{ key, id: ">" }]))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XREADGROUP", code: "NOGROUP" })
      })
    )

    it.effect("report a history entry deleted since delivery with null fields", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("history", 2)
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }])
        yield* redis.xdel(key, [ids[0]!])
        const history = yield* redis.xreadgroup("g", "c1", [{ key, id: "0" }])
        expect(history[0]!.entries[0]).toEqual({ id: ids[0], fields: null })
        expect(history[0]!.entries[1]!.id).toBe(ids[1])
        expect(history[0]!.entries[1]!.fields).not.toBeNull()
      })
    )

    it.effect("leave nothing pending with noAck", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("noack", 2)
        const read = yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }], { noAck: true })
        expect(read[0]!.entries.map((entry) => entry.id)).toEqual(ids)
        expect((yield* redis.xpending(key, "g")).count).toBe(0)
      })
    )
  })

  describe("acks and the pending list", () => {
    it.effect("xpending summarises, xpendingRange lists, xack removes", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("pending", 3)
        expect(yield* redis.xpending(key, "g")).toEqual({
          count: 0,
          smallestId: null,
          largestId: null,
          consumers: []
        })
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }], { count: 2 })
        yield* redis.xreadgroup("g", "c2", [{ key, id: ">" }])
        expect(yield* redis.xpending(key, "g")).toEqual({
          count: 3,
          smallestId: ids[0],
          largestId: ids[2],
          consumers: [
            { name: "c1", count: 2 },
            { name: "c2", count: 1 }
          ]
        })
        const all = yield* redis.xpendingRange(key, "g", { start: "-", end: "+", count: 10 })
        expect(all.map((entry) => [entry.id, entry.consumer, entry.deliveries])).toEqual([
          [ids[0], "c1", 1],
          [ids[1], "c1", 1],
          [ids[2], "c2", 1]
        ])
        for (const entry of all) expect(entry.idleMillis).toBeGreaterThanOrEqual(0)
        const ofC2 = yield* redis.xpendingRange(key, "g", { start: "-", end: "+", count: 10, consumer: "c2" })
        expect(ofC2.map((entry) => entry.id)).toEqual([ids[2]])
        const idle = yield* redis.xpendingRange(key, "g", { start: "-", end: "+", count: 10, minIdleMillis: 3_600_000 })
        expect(idle).toEqual([])

        expect(yield* redis.xack(key, "g", [ids[0]!, ids[1]!, "999-0"])).toBe(2)
        expect(yield* redis.xack(key, "g", [])).toBe(0)
        expect((yield* redis.xpending(key, "g")).count).toBe(1)
        const missing = yield* Effect.flip(redis.xpending(key, "nope"))
        expect(missing).toMatchObject({ _tag: "RedisCommandError", command: "XPENDING", code: "NOGROUP" })
      })
    )
  })

  describe("claiming", () => {
    it.effect("xclaim moves entries, counts a delivery and drops deleted ones", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("claim", 3)
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }])
        yield* redis.xdel(key, [ids[1]!])
        const claimed = yield* redis.xclaim(key, "g", "c2", 0, ids)
        expect(claimed.map((entry) => entry.id)).toEqual([ids[0], ids[2]])
        expect(claimed[0]!.fields.map(([field]) => field)).toEqual(["n"])
        const pending = yield* redis.xpendingRange(key, "g", { start: "-", end: "+", count: 10 })
        expect(pending.map((entry) => [entry.id, entry.consumer, entry.deliveries])).toEqual([
          [ids[0], "c2", 2],
          [ids[2], "c2", 2]
        ])
        expect(yield* redis.xclaim(key, "g", "c2", 3_600_000, [ids[0]!])).toEqual([])
        expect(yield* redis.xclaim(key, "g", "c2", 0, [])).toEqual([])
      })
    )

    it.effect("xclaimJustId moves entries without counting a delivery and can set their idle time", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("justid", 2)
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }])
        expect(yield* redis.xclaimJustId(key, "g", "c2", 0, ids, { idleMillis: 60_000 })).toEqual(ids)
        const pending = yield* redis.xpendingRange(key, "g", { start: "-", end: "+", count: 10 })
        expect(pending.map((entry) => [entry.id, entry.consumer, entry.deliveries])).toEqual([
          [ids[0], "c2", 1],
          [ids[1], "c2", 1]
        ])
        for (const entry of pending) expect(entry.idleMillis).toBeGreaterThanOrEqual(60_000)
        expect(yield* redis.xclaimJustId(key, "g", "c3", 0, [])).toEqual([])
      })
    )

    it.effect("xautoclaim returns the cursor, the entries and the deleted IDs", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("autoclaim", 3)
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }])
        yield* redis.xdel(key, [ids[1]!])
        const page = yield* redis.xautoclaim(key, "g", "c2", 0, "0-0", 2)
        expect(page.entries.map((entry) => entry.id)).toEqual([ids[0]])
        expect(page.deletedIds).toEqual([ids[1]])
        expect(page.next).toBe(ids[2])
        const last = yield* redis.xautoclaim(key, "g", "c2", 0, page.next)
        expect(last).toMatchObject({ next: "0-0", deletedIds: [] })
        expect(last.entries.map((entry) => entry.id)).toEqual([ids[2]])
        expect(yield* redis.xautoclaim(key, "g", "c3", 3_600_000, "0-0")).toEqual({
          next: "0-0",
          entries: [],
          deletedIds: []
        })
      })
    )
  })

  describe("group and consumer management", () => {
    it.effect("create consumers, destroy groups", () =>
      Effect.gen(function* () {
        const { redis, key } = yield* streamWithGroup("manage", 2)
        expect(yield* redis.xgroupCreateConsumer(key, "g", "idle")).toBe(true)
        expect(yield* redis.xgroupCreateConsumer(key, "g", "idle")).toBe(false)
        expect(yield* redis.xgroupDestroy(key, "g")).toBe(true)
        expect(yield* redis.xgroupDestroy(key, "g")).toBe(false)
      })
    )

    it.effect("xgroupDelConsumerIfNoPending deletes only a consumer without pending entries", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("ifidle", 1)
        yield* redis.xreadgroup("g", "busy", [{ key, id: ">" }])
        yield* redis.xgroupCreateConsumer(key, "g", "idle")
        expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "busy")).toBe(false)
        expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "idle")).toBe(true)
        expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "idle")).toBe(false)
        expect(yield* redis.xgroupDelConsumerIfNoPending(key, "nogroup", "busy")).toBe(false)
        expect(yield* redis.xgroupDelConsumerIfNoPending(uniqueKey("nokey"), "g", "busy")).toBe(false)
        expect((yield* redis.xinfoConsumers(key, "g")).map((consumer) => consumer.name)).toEqual(["busy"])
        expect((yield* redis.xpending(key, "g")).count).toBe(1)
        yield* redis.xack(key, "g", ids)
        expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "busy")).toBe(true)

        const text = uniqueKey("string")
        yield* redis.set(text, "v")
        const error = yield* Effect.flip(redis.xgroupDelConsumerIfNoPending(text, "g", "c"))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XGROUP", code: "WRONGTYPE" })
      })
    )

    it.effect("xinfoGroups and xinfoConsumers decode into records", () =>
      Effect.gen(function* () {
        const { redis, key, ids } = yield* streamWithGroup("info", 3)
        yield* redis.xgroupCreate(key, "h", "$")
        yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }], { count: 2 })
        yield* redis.xgroupCreateConsumer(key, "g", "c2")
        expect(yield* redis.xinfoGroups(key)).toEqual([
          { name: "g", consumers: 2, pending: 2, lastDeliveredId: ids[1], entriesRead: 2, lag: 1 },
          { name: "h", consumers: 0, pending: 0, lastDeliveredId: ids[2], entriesRead: null, lag: 0 }
        ])
        const consumers = yield* redis.xinfoConsumers(key, "g")
        expect(consumers.map(({ name, pending }) => ({ name, pending }))).toEqual([
          { name: "c1", pending: 2 },
          { name: "c2", pending: 0 }
        ])
        for (const consumer of consumers) expect(consumer.idleMillis).toBeGreaterThanOrEqual(0)
        const error = yield* Effect.flip(redis.xinfoConsumers(key, "nope"))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XINFO", code: "NOGROUP" })
      })
    )
  })
})
