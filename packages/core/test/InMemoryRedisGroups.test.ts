import { describe, expect, it } from "@effect/vitest"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { addNumbered, failure, ids, invalidId, readable, readableReads } from "./InMemoryRedisHelpers.js"

const keyMustExist =
  "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."

/** A store with the stream `s` holding entries 1-0 .. 5-0 and the group `g` at 0. */
const withGroup = Effect.gen(function* () {
  const redis = yield* InMemoryRedis.make
  yield* addNumbered(redis, "s", 1, 5)
  yield* redis.xgroupCreate("s", "g", "0")
  return redis
})

describe("InMemoryRedis consumer groups", () => {
  it.effect("XGROUP CREATE, DESTROY and XINFO GROUPS", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      expect(yield* failure(redis.xgroupCreate("s", "g", "$"))).toMatchObject({
        command: "XGROUP",
        code: "ERR",
        message: keyMustExist
      })
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      expect(yield* failure(redis.xgroupCreate("s", "g", "0", { mkStream: true }))).toMatchObject({
        code: "BUSYGROUP",
        message: "BUSYGROUP Consumer Group name already exists"
      })
      expect(yield* failure(redis.xgroupCreate("s", "h", "+"))).toMatchObject(invalidId)
      yield* addNumbered(redis, "s", 1, 2)
      yield* redis.xgroupCreate("s", "b", "$")
      yield* redis.xgroupCreate("s", "a", "1")
      expect(yield* redis.xinfoGroups("s")).toEqual([
        { name: "a", consumers: 0, pending: 0, lastDeliveredId: "1-0", entriesRead: null, lag: 1 },
        { name: "b", consumers: 0, pending: 0, lastDeliveredId: "2-0", entriesRead: null, lag: 0 },
        { name: "g", consumers: 0, pending: 0, lastDeliveredId: "0-0", entriesRead: null, lag: 2 }
      ])
      expect(yield* redis.xinfoStream("s")).toEqual({ length: 2, lastGeneratedId: "2-0", entriesAdded: 2, groups: 3 })
      expect(yield* redis.xgroupDestroy("s", "b")).toBe(true)
      expect(yield* redis.xgroupDestroy("s", "b")).toBe(false)
      expect(yield* failure(redis.xgroupDestroy("missing", "b"))).toMatchObject({ message: keyMustExist })
      expect(yield* failure(redis.xinfoGroups("missing"))).toMatchObject({ message: "ERR no such key" })
    })
  )

  it.effect("XREADGROUP `>` delivers each entry once and makes it pending", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      const first = yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 2 })
      expect(readableReads(first)).toEqual([
        {
          key: "s",
          entries: [
            { id: "1-0", fields: [["n", "1"]] },
            { id: "2-0", fields: [["n", "2"]] }
          ]
        }
      ])
      expect(ids((yield* redis.xreadgroup("g", "c2", [{ key: "s", id: ">" }]))[0]!.entries)).toEqual([
        "3-0",
        "4-0",
        "5-0"
      ])
      expect(yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }])).toEqual([])
      expect(yield* redis.xpending("s", "g")).toEqual({
        count: 5,
        smallestId: "1-0",
        largestId: "5-0",
        consumers: [
          { name: "c1", count: 2 },
          { name: "c2", count: 3 }
        ]
      })
      expect(yield* redis.xinfoGroups("s")).toEqual([
        { name: "g", consumers: 2, pending: 5, lastDeliveredId: "5-0", entriesRead: 5, lag: 0 }
      ])
    })
  )

  it.effect("XREADGROUP errors: missing key or group, `$`, a bad ID", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      expect(yield* failure(redis.xreadgroup("g", "c", [{ key: "missing", id: ">" }]))).toMatchObject({
        command: "XREADGROUP",
        code: "NOGROUP",
        message: "NOGROUP No such key 'missing' or consumer group 'g' in XREADGROUP with GROUP option"
      })
      expect(yield* failure(redis.xreadgroup("nope", "c", [{ key: "s", id: ">" }]))).toMatchObject({
        code: "NOGROUP"
      })
      expect(yield* failure(redis.xreadgroup("g", "c", [{ key: "s", id: "$" }]))).toMatchObject({
        code: "ERR",
        message:
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
      })
      expect(yield* failure(redis.xreadgroup("g", "c", [{ key: "s", id: "-" }]))).toMatchObject(invalidId)
    })
  )

  it.effect("XREADGROUP with an ID re-reads the consumer's own history; deleted entries come back without fields", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 3 })
      yield* redis.xdel("s", ["2-0"])
      yield* TestClock.adjust(100)
      const history = yield* redis.xreadgroup("g", "c1", [{ key: "s", id: "0" }])
      expect(readableReads(history)).toEqual([
        {
          key: "s",
          entries: [
            { id: "1-0", fields: [["n", "1"]] },
            { id: "2-0", fields: null },
            { id: "3-0", fields: [["n", "3"]] }
          ]
        }
      ])
      // Re-reading counts as a delivery of the entries still there; the deleted one is left as it was.
      expect(yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })).toEqual([
        { id: "1-0", consumer: "c1", idleMillis: 0, deliveries: 2 },
        { id: "2-0", consumer: "c1", idleMillis: 100, deliveries: 1 },
        { id: "3-0", consumer: "c1", idleMillis: 0, deliveries: 2 }
      ])
      expect(ids((yield* redis.xreadgroup("g", "c1", [{ key: "s", id: "1-0" }], { count: 1 }))[0]!.entries)).toEqual([
        "2-0"
      ])
      // Nothing pending: the key still comes back, with no entries.
      expect(yield* redis.xreadgroup("g", "other", [{ key: "s", id: "0" }])).toEqual([{ key: "s", entries: [] }])
    })
  )

  it.effect("XREADGROUP NOACK leaves nothing pending and does not touch entries already pending", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 1 })
      const read = yield* redis.xreadgroup("g", "c2", [{ key: "s", id: ">" }], { noAck: true })
      expect(ids(read[0]!.entries)).toEqual(["2-0", "3-0", "4-0", "5-0"])
      expect(yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })).toEqual([
        { id: "1-0", consumer: "c1", idleMillis: 0, deliveries: 1 }
      ])
    })
  )

  it.effect("XACK counts what was pending; a missing key or group acknowledges nothing", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 2 })
      expect(yield* redis.xack("s", "g", ["1-0", "1-0", "3-0"])).toBe(1)
      expect(yield* failure(redis.xack("s", "g", ["2-0", "bad"]))).toMatchObject({ command: "XACK", ...invalidId })
      expect(yield* redis.xack("s", "g", [])).toBe(0)
      expect(yield* redis.xack("missing", "g", ["bad"])).toBe(0)
      expect(yield* redis.xack("s", "nope", ["bad"])).toBe(0)
      expect((yield* redis.xpending("s", "g")).count).toBe(1)
    })
  )

  it.effect("XCLAIM moves entries idle long enough, counts a delivery, and drops deleted ones", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 3 })
      yield* TestClock.adjust(1_000)
      expect(yield* redis.xclaim("s", "g", "c2", 1_001, ["1-0"])).toEqual([])
      // Nothing claimed: the consumer is not created.
      expect((yield* redis.xinfoConsumers("s", "g")).map((consumer) => consumer.name)).toEqual(["c1"])
      yield* redis.xdel("s", ["3-0"])
      const claimed = yield* redis.xclaim("s", "g", "c2", 1_000, ["1-0", "3-0", "5-0"])
      expect(readable(claimed)).toEqual([{ id: "1-0", fields: [["n", "1"]] }])
      expect(yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })).toEqual([
        { id: "1-0", consumer: "c2", idleMillis: 0, deliveries: 2 },
        { id: "2-0", consumer: "c1", idleMillis: 1_000, deliveries: 1 }
      ])
      expect(yield* failure(redis.xclaim("s", "g", "c2", 0, ["bad"]))).toMatchObject({
        message: "ERR Unrecognized XCLAIM option 'bad'"
      })
      expect(yield* failure(redis.xclaim("s", "nope", "c2", 0, ["1-0"]))).toMatchObject({
        command: "XCLAIM",
        code: "NOGROUP",
        message: "NOGROUP No such key 's' or consumer group 'nope'"
      })
      expect(yield* failure(redis.xclaim("s", "g", "c2", 1.5, ["1-0"]))).toMatchObject({
        message: "ERR Invalid min-idle-time argument for XCLAIM"
      })
      expect(yield* redis.xclaim("s", "g", "c2", 0, [])).toEqual([])
    })
  )

  it.effect("XCLAIM JUSTID moves entries without counting a delivery and can set their idle time", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 2 })
      // With the clock still at 0 an idle time reaches before the epoch; it is kept all the same.
      yield* redis.xclaimJustId("s", "g", "c1", 0, ["1-0"], { idleMillis: 20_000 })
      // A negative one would put the delivery in the future: Redis takes now instead.
      yield* redis.xclaimJustId("s", "g", "c1", 0, ["2-0"], { idleMillis: -5 })
      const idle = yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })
      expect(idle.map((entry) => entry.idleMillis)).toEqual([20_000, 0])
      yield* TestClock.adjust(10_000)
      expect(yield* redis.xclaimJustId("s", "g", "c2", 0, ["1-0", "2-0"], { idleMillis: 3_000 })).toEqual([
        "1-0",
        "2-0"
      ])
      expect(yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })).toEqual([
        { id: "1-0", consumer: "c2", idleMillis: 3_000, deliveries: 1 },
        { id: "2-0", consumer: "c2", idleMillis: 3_000, deliveries: 1 }
      ])
      expect(yield* failure(redis.xclaimJustId("s", "g", "c2", 0, ["1-0"], { idleMillis: 1.5 }))).toMatchObject({
        message: "ERR Invalid IDLE option argument for XCLAIM"
      })
    })
  )

  it.effect("XAUTOCLAIM: COUNT counts claimed and deleted entries, the cursor continues after the last examined", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }])
      yield* redis.xdel("s", ["1-0", "2-0"])
      yield* TestClock.adjust(500)
      expect(yield* redis.xautoclaim("s", "g", "c2", 100, "0", 3)).toEqual({
        next: "4-0",
        entries: [{ id: "3-0", fields: [["n", new Uint8Array([51])]] }],
        deletedIds: ["1-0", "2-0"]
      })
      expect(yield* redis.xautoclaim("s", "g", "c2", 100, "4-0", 3)).toMatchObject({
        next: "0-0",
        deletedIds: []
      })
      expect(yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10 })).toEqual([
        { id: "3-0", consumer: "c2", idleMillis: 0, deliveries: 2 },
        { id: "4-0", consumer: "c2", idleMillis: 0, deliveries: 2 },
        { id: "5-0", consumer: "c2", idleMillis: 0, deliveries: 2 }
      ])
      // Entries not idle long enough are skipped; the exclusive start skips 3-0.
      expect(yield* redis.xautoclaim("s", "g", "c1", 100, "(3-0")).toEqual({ next: "0-0", entries: [], deletedIds: [] })
      expect(yield* failure(redis.xautoclaim("s", "g", "c1", 0, "0", 0))).toMatchObject({
        message: "ERR COUNT must be > 0"
      })
      expect(yield* failure(redis.xautoclaim("missing", "g", "c1", 0, "0"))).toMatchObject({
        code: "NOGROUP",
        message: "NOGROUP No such key 'missing' or consumer group 'g'"
      })
    })
  )

  it.effect("XAUTOCLAIM examines at most COUNT * 10 pending entries per call", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "s", 1, 30)
      yield* redis.xgroupCreate("s", "g", "0")
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }])
      expect(yield* redis.xautoclaim("s", "g", "c2", 1_000, "0", 1)).toEqual({
        next: "11-0",
        entries: [],
        deletedIds: []
      })
      expect((yield* redis.xautoclaim("s", "g", "c2", 1_000, "0", 2)).next).toBe("21-0")
    })
  )

  it.effect("XPENDING with IDLE, a consumer, and exclusive bounds", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "c1", [{ key: "s", id: ">" }], { count: 2 })
      yield* TestClock.adjust(1_000)
      yield* redis.xreadgroup("g", "c2", [{ key: "s", id: ">" }])
      const range = (options: { start?: string; consumer?: string; minIdleMillis?: number; count?: number }) =>
        Effect.map(redis.xpendingRange("s", "g", { start: "-", end: "+", count: 10, ...options }), (entries) =>
          entries.map((entry) => `${entry.id}:${entry.consumer}:${entry.idleMillis}`)
        )
      expect(yield* range({ minIdleMillis: 1_000 })).toEqual(["1-0:c1:1000", "2-0:c1:1000"])
      expect(yield* range({ consumer: "c2", count: 2 })).toEqual(["3-0:c2:0", "4-0:c2:0"])
      expect(yield* range({ consumer: "nobody" })).toEqual([])
      expect(yield* range({ start: "(4-0" })).toEqual(["5-0:c2:0"])
      expect(yield* range({ count: 0 })).toEqual([])
      expect(yield* failure(redis.xpending("s", "nope"))).toMatchObject({
        command: "XPENDING",
        code: "NOGROUP",
        message: "NOGROUP No such key 's' or consumer group 'nope'"
      })
      yield* redis.xack("s", "g", ["1-0", "2-0", "3-0", "4-0", "5-0"])
      expect(yield* redis.xpending("s", "g")).toEqual({ count: 0, smallestId: null, largestId: null, consumers: [] })
    })
  )

  it.effect("XINFO CONSUMERS idle time: since the consumer was created or last served", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      expect(yield* redis.xgroupCreateConsumer("s", "g", "idle")).toBe(true)
      expect(yield* redis.xgroupCreateConsumer("s", "g", "idle")).toBe(false)
      yield* redis.xreadgroup("g", "reader", [{ key: "s", id: ">" }])
      yield* TestClock.adjust(300)
      // A read that finds nothing new and XPENDING do not count as interactions; a history read does.
      yield* redis.xreadgroup("g", "reader", [{ key: "s", id: ">" }])
      yield* redis.xreadgroup("g", "idle", [{ key: "s", id: ">" }])
      yield* redis.xpendingRange("s", "g", { start: "-", end: "+", count: 1, consumer: "reader" })
      expect(yield* redis.xinfoConsumers("s", "g")).toEqual([
        { name: "idle", pending: 0, idleMillis: 300 },
        { name: "reader", pending: 5, idleMillis: 300 }
      ])
      yield* redis.xreadgroup("g", "reader", [{ key: "s", id: "0" }], { count: 1 })
      expect((yield* redis.xinfoConsumers("s", "g"))[1]).toEqual({ name: "reader", pending: 5, idleMillis: 0 })
      expect(yield* failure(redis.xinfoConsumers("s", "nope"))).toMatchObject({
        code: "NOGROUP",
        message: "NOGROUP No such consumer group 'nope' for key name 's'"
      })
      expect(yield* failure(redis.xinfoConsumers("missing", "g"))).toMatchObject({ message: "ERR no such key" })
    })
  )

  it.effect("xgroupDelConsumerIfNoPending deletes only a consumer without pending entries", () =>
    Effect.gen(function* () {
      const redis = yield* withGroup
      yield* redis.xreadgroup("g", "busy", [{ key: "s", id: ">" }], { count: 2 })
      yield* redis.xgroupCreateConsumer("s", "g", "free")
      expect(yield* redis.xgroupDelConsumerIfNoPending("s", "g", "busy")).toBe(false)
      expect(yield* redis.xgroupDelConsumerIfNoPending("s", "g", "free")).toBe(true)
      expect(yield* redis.xgroupDelConsumerIfNoPending("s", "g", "free")).toBe(false)
      expect(yield* redis.xgroupDelConsumerIfNoPending("missing", "g", "busy")).toBe(false)
      expect(yield* redis.xpending("s", "g")).toMatchObject({ count: 2 })
      expect((yield* redis.xinfoConsumers("s", "g")).map((consumer) => consumer.name)).toEqual(["busy"])
      expect(yield* failure(redis.xgroupCreateConsumer("missing", "g", "c"))).toMatchObject({
        message: keyMustExist
      })
      yield* redis.set("text", "v")
      expect(yield* failure(redis.xgroupDelConsumerIfNoPending("text", "g", "c"))).toMatchObject({
        command: "XGROUP",
        code: "WRONGTYPE"
      })
    })
  )
})
