import { describe, expect, it } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import {
  addNumbered,
  failure,
  ids,
  invalidId,
  readable,
  readableReads,
  text,
  wrongType
} from "./InMemoryRedisHelpers.js"

describe("InMemoryRedis streams", () => {
  it.effect("`*` IDs follow the Clock and stay monotonic when it stands still or goes back", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* TestClock.setTime(1_000)
      expect(yield* redis.xadd("s", [["n", "a"]])).toBe("1000-0")
      expect(yield* redis.xadd("s", [["n", "b"]])).toBe("1000-1")
      expect(yield* redis.xadd("s", [["n", "c"]], { id: "*" })).toBe("1000-2")
      yield* TestClock.adjust(5)
      expect(yield* redis.xadd("s", [["n", "d"]])).toBe("1005-0")
      // An explicit ID ahead of the clock: `*` then continues from it, as if the clock went back.
      expect(yield* redis.xadd("s", [["n", "e"]], { id: "9000-7" })).toBe("9000-7")
      expect(yield* redis.xadd("s", [["n", "f"]])).toBe("9000-8")
      expect(yield* redis.xaddAll("s", [[["n", "g"]], [["n", "h"]]])).toEqual(["9000-9", "9000-10"])
    })
  )

  it.effect("explicit and `<ms>-*` IDs, and the errors of XADD", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const add = (id: string) => redis.xadd("s", [["n", "x"]], { id })
      expect(yield* failure(add("0-0"))).toMatchObject({
        command: "XADD",
        code: "ERR",
        message: "ERR The ID specified in XADD must be greater than 0-0"
      })
      expect(yield* failure(add("0"))).toMatchObject({
        message: "ERR The ID specified in XADD must be greater than 0-0"
      })
      expect(yield* redis.exists(["s"])).toBe(0)
      expect(yield* add("0-*")).toBe("0-1")
      expect(yield* add("5-*")).toBe("5-0")
      expect(yield* add("5-*")).toBe("5-1")
      const tooSmall = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
      expect(yield* failure(add("4-*"))).toMatchObject({ code: "ERR", message: tooSmall })
      expect(yield* failure(add("5-1"))).toMatchObject({ message: tooSmall })
      expect(yield* failure(add("5"))).toMatchObject({ message: tooSmall })
      for (const bad of ["bad", "1-2-3", "-", "+", "1.5", "5-", "-5", "18446744073709551616-0"]) {
        expect(yield* failure(add(bad))).toMatchObject(invalidId)
      }
      // Redis reads numbers with strtoull, which skips leading blanks.
      expect(yield* add(" 7")).toBe("7-0")
      expect(yield* add("18446744073709551615-18446744073709551615")).toBe("18446744073709551615-18446744073709551615")
      expect(yield* failure(redis.xadd("s", [["n", "x"]]))).toMatchObject({
        message: "ERR The stream has exhausted the last possible ID, unable to add more items"
      })
      expect(yield* redis.xlen("s")).toBe(5)
    })
  )

  it.effect("XADD: NOMKSTREAM, missing fields, bad MAXLEN, WRONGTYPE", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      expect(yield* redis.xadd("s", [["n", "x"]], { noMkStream: true })).toBeNull()
      expect(yield* redis.exists(["s"])).toBe(0)
      expect(yield* failure(redis.xadd("s", []))).toMatchObject({
        code: "ERR",
        message: "ERR wrong number of arguments for 'xadd' command"
      })
      expect(yield* failure(redis.xadd("s", [["n", "x"]], { trim: { maxLen: -1, approximate: true } }))).toMatchObject({
        message: "ERR The MAXLEN argument must be >= 0."
      })
      yield* redis.set("text", "v")
      expect(yield* failure(redis.xadd("text", [["n", "x"]]))).toMatchObject(wrongType)
      expect(yield* failure(redis.xadd("text", [["n", "x"]], { noMkStream: true }))).toMatchObject(wrongType)
      expect(yield* redis.xadd("s", [["n", "x"]], { id: "1-1" })).toBe("1-1")
      expect(yield* redis.xadd("s", [["n", "y"]], { id: "2-1", noMkStream: true })).toBe("2-1")
    })
  )

  it.effect("XRANGE: `-`, `+`, `(` exclusive bounds, a bare millisecond, COUNT", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      for (const id of ["1-1", "1-2", "2-0", "3-5"]) yield* redis.xadd("s", [["n", id]], { id })
      expect(ids(yield* redis.xrange("s", "-", "+"))).toEqual(["1-1", "1-2", "2-0", "3-5"])
      expect(ids(yield* redis.xrange("s", "(1-1", "(3-5"))).toEqual(["1-2", "2-0"])
      // A bare millisecond starts at its first ID and ends at its last.
      expect(ids(yield* redis.xrange("s", "1", "1"))).toEqual(["1-1", "1-2"])
      expect(ids(yield* redis.xrange("s", "(1", "2"))).toEqual(["1-1", "1-2", "2-0"])
      expect(ids(yield* redis.xrange("s", "-", "+", 2))).toEqual(["1-1", "1-2"])
      expect(ids(yield* redis.xrange("s", "-", "+", 0))).toEqual([])
      expect(ids(yield* redis.xrange("s", "3", "1"))).toEqual([])
      expect(ids(yield* redis.xrange("missing", "-", "+"))).toEqual([])
      expect(yield* failure(redis.xrange("s", "(18446744073709551615-18446744073709551615", "+"))).toMatchObject({
        message: "ERR invalid start ID for the interval"
      })
      expect(yield* failure(redis.xrange("s", "-", "(0-0"))).toMatchObject({
        message: "ERR invalid end ID for the interval"
      })
      expect(yield* failure(redis.xrange("s", "(-", "+"))).toMatchObject(invalidId)
      // IDs are checked before the key is looked at.
      expect(yield* failure(redis.xrange("missing", "bad", "+"))).toMatchObject(invalidId)
      expect(readable(yield* redis.xrange("s", "2", "2"))).toEqual([{ id: "2-0", fields: [["n", "2-0"]] }])
    })
  )

  it.effect("XDEL and XLEN: deletions are counted once, checked first, and leave an empty stream in place", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "s", 1, 3)
      expect(yield* redis.xdel("s", ["1-0", "1-0", "9-0"])).toBe(1)
      expect(yield* failure(redis.xdel("s", ["2-0", "bad"]))).toMatchObject({ command: "XDEL", ...invalidId })
      expect(yield* redis.xlen("s")).toBe(2)
      expect(yield* redis.xdel("missing", ["bad"])).toBe(0)
      expect(yield* redis.xdel("s", [])).toBe(0)
      expect(yield* redis.xdel("s", ["2", "3-0"])).toBe(2)
      expect(yield* redis.xlen("s")).toBe(0)
      expect(yield* redis.exists(["s"])).toBe(1)
      expect(yield* redis.xinfoStream("s")).toEqual({ length: 0, lastGeneratedId: "3-0", entriesAdded: 3, groups: 0 })
      expect(yield* failure(redis.xadd("s", [["n", "x"]], { id: "3-0" }))).toMatchObject({ code: "ERR" })
      expect(yield* redis.xlen("missing")).toBe(0)
      expect(yield* failure(redis.xinfoStream("missing"))).toMatchObject({
        command: "XINFO",
        code: "ERR",
        message: "ERR no such key"
      })
    })
  )

  it.effect("field values are stored as copies and come back as bytes of their own", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      const payload = new Uint8Array([1, 2, 3])
      yield* redis.xadd(
        "s",
        [
          ["p", payload],
          ["t", "été"]
        ],
        { id: "1-0" }
      )
      payload[0] = 99
      const [first] = yield* redis.xrange("s", "-", "+")
      expect(Array.from(first!.fields[0]![1])).toEqual([1, 2, 3])
      expect(Array.from(first!.fields[1]![1])).toEqual([0xc3, 0xa9, 0x74, 0xc3, 0xa9])
      expect(text(first!.fields[1]![1])).toBe("été")
      first!.fields[0]![1][1] = 99
      const [again] = yield* redis.xrange("s", "-", "+")
      expect(Array.from(again!.fields[0]![1])).toEqual([1, 2, 3])
    })
  )

  it.effect("xaddAll: successive adds with one trim; a batch with an entry without fields adds nothing", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* TestClock.setTime(50)
      expect(yield* redis.xaddAll("s", [])).toEqual([])
      const trim = { maxLen: 2, approximate: false }
      expect(yield* redis.xaddAll("s", [[["n", "a"]], [["n", "b"]], [["n", "c"]]], { trim })).toEqual([
        "50-0",
        "50-1",
        "50-2"
      ])
      expect(readable(yield* redis.xrange("s", "-", "+"))).toEqual([
        { id: "50-1", fields: [["n", "b"]] },
        { id: "50-2", fields: [["n", "c"]] }
      ])
      expect(yield* failure(redis.xaddAll("s", [[["n", "d"]], []]))).toMatchObject({
        command: "XADD",
        message: "ERR wrong number of arguments for 'xadd' command"
      })
      expect(yield* redis.xlen("s")).toBe(2)
      yield* redis.set("text", "v")
      expect(yield* failure(redis.xaddAll("text", [[["n", "d"]]]))).toMatchObject(wrongType)
    })
  )

  it.effect("XREAD without blocking: entries after each cursor, only keys with news, `$` sees nothing", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* addNumbered(redis, "a", 1, 3)
      yield* addNumbered(redis, "b", 1, 1)
      expect(
        readableReads(
          yield* redis.xread([
            { key: "a", id: "1-0" },
            { key: "b", id: "1" },
            { key: "c", id: "0" }
          ])
        )
      ).toEqual([
        {
          key: "a",
          entries: [
            { id: "2-0", fields: [["n", "2"]] },
            { id: "3-0", fields: [["n", "3"]] }
          ]
        }
      ])
      expect(ids((yield* redis.xread([{ key: "a", id: "0" }], { count: 1 }))[0]!.entries)).toEqual(["1-0"])
      expect(yield* redis.xread([{ key: "a", id: "$" }])).toEqual([])
      // Entries after the cursor that were all deleted do not count as news.
      yield* redis.xdel("a", ["3-0"])
      expect(yield* redis.xread([{ key: "a", id: "2-0" }])).toEqual([])
      expect(yield* failure(redis.xread([{ key: "a", id: ">" }]))).toMatchObject({
        command: "XREAD",
        message: "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
      })
      expect(yield* failure(redis.xread([{ key: "a", id: "+" }]))).toMatchObject(invalidId)
      yield* redis.set("text", "v")
      expect(
        yield* failure(
          redis.xread([
            { key: "a", id: "0" },
            { key: "text", id: "0" }
          ])
        )
      ).toMatchObject(wrongType)
      expect(yield* failure(redis.xread([]))).toMatchObject({
        message: "ERR wrong number of arguments for 'xread' command"
      })
    })
  )
})

describe("InMemoryRedis keys", () => {
  it.effect("DEL and EXISTS: EXISTS counts a key named twice; a deleted stream loses its groups", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.set("a", "1")
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      expect(yield* redis.exists(["a", "a", "b", "s"])).toBe(3)
      expect(yield* redis.exists([])).toBe(0)
      expect(yield* redis.del(["a", "a", "b", "s"])).toBe(2)
      expect(yield* redis.del([])).toBe(0)
      yield* redis.xadd("s", [["n", "x"]])
      expect(yield* redis.xinfoGroups("s")).toEqual([])
    })
  )

  it.effect("SET with NX and PX, GET", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      expect(yield* redis.set("k", "1", { onlyIfMissing: true, expireMillis: 100 })).toBe(true)
      expect(yield* redis.set("k", "2", { onlyIfMissing: true })).toBe(false)
      expect(yield* redis.get("k")).toBe("1")
      expect(yield* redis.pttl("k")).toBe(100)
      // A plain SET replaces the value and clears the expiry.
      expect(yield* redis.set("k", "3")).toBe(true)
      expect(yield* redis.pttl("k")).toBe(-1)
      expect(yield* redis.get("missing")).toBeNull()
      for (const expireMillis of [0, -1]) {
        expect(yield* failure(redis.set("k", "4", { expireMillis }))).toMatchObject({
          command: "SET",
          message: "ERR invalid expire time in 'set' command"
        })
      }
      expect(yield* failure(redis.set("k", "4", { expireMillis: 1.5 }))).toMatchObject({
        message: "ERR value is not an integer or out of range"
      })
      yield* redis.hset("h", "f", "v")
      expect(yield* failure(redis.get("h"))).toMatchObject(wrongType)
      expect(yield* redis.set("h", "now a string")).toBe(true)
      expect(yield* redis.get("h")).toBe("now a string")
    })
  )

  it.effect("PEXPIRE with NX, XX, GT and LT, PTTL, and expiry driven by the Clock", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      expect(yield* redis.pttl("k")).toBe(-2)
      expect(yield* redis.pexpire("k", 100)).toBe(false)
      yield* redis.set("k", "v")
      expect(yield* redis.pttl("k")).toBe(-1)
      expect(yield* redis.pexpire("k", 1_000, "XX")).toBe(false)
      // A key without expiry counts as expiring later than any time.
      expect(yield* redis.pexpire("k", 1_000, "GT")).toBe(false)
      expect(yield* redis.pexpire("k", 1_000, "LT")).toBe(true)
      expect(yield* redis.pexpire("k", 500, "NX")).toBe(false)
      expect(yield* redis.pexpire("k", 2_000, "GT")).toBe(true)
      expect(yield* redis.pexpire("k", 3_000, "LT")).toBe(false)
      expect(yield* redis.pexpire("k", 1_000, "XX")).toBe(true)
      yield* TestClock.adjust(400)
      expect(yield* redis.pttl("k")).toBe(600)
      yield* TestClock.adjust(600)
      // At its expiry time the key is still there; a millisecond later it is gone.
      expect(yield* redis.pttl("k")).toBe(0)
      yield* TestClock.adjust(1)
      expect(yield* redis.pttl("k")).toBe(-2)
      expect(yield* redis.get("k")).toBeNull()
      yield* redis.set("k", "v")
      expect(yield* redis.pexpire("k", 0)).toBe(true)
      expect(yield* redis.exists(["k"])).toBe(0)
      expect(yield* failure(redis.pexpire("k", 1.5))).toMatchObject({
        message: "ERR value is not an integer or out of range"
      })
    })
  )

  it.effect("an expired stream key is gone with its groups", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.xgroupCreate("s", "g", "$", { mkStream: true })
      yield* redis.pexpire("s", 10)
      yield* TestClock.adjust(11)
      expect(yield* redis.exists(["s"])).toBe(0)
      yield* redis.xadd("s", [["n", "x"]])
      expect(yield* redis.xinfoGroups("s")).toEqual([])
    })
  )

  it.effect("HSET, HGETALL and HDEL; a hash whose last field goes is deleted", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      expect(yield* redis.hgetall("h")).toEqual({})
      expect(yield* redis.hset("h", "a", "1")).toBe(1)
      expect(yield* redis.hset("h", "a", "2")).toBe(0)
      expect(yield* redis.hset("h", "b", "3")).toBe(1)
      expect(yield* redis.hgetall("h")).toEqual({ a: "2", b: "3" })
      expect(yield* redis.hdel("h", ["a", "a", "z"])).toBe(1)
      expect(yield* redis.hdel("h", [])).toBe(0)
      expect(yield* redis.hdel("missing", ["a"])).toBe(0)
      expect(yield* redis.hdel("h", ["b"])).toBe(1)
      expect(yield* redis.exists(["h"])).toBe(0)
    })
  )

  it.effect("WRONGTYPE for every mix of strings, hashes and streams", () =>
    Effect.gen(function* () {
      const redis = yield* InMemoryRedis.make
      yield* redis.set("string", "v")
      yield* redis.hset("hash", "f", "v")
      yield* redis.xadd("stream", [["n", "x"]])
      const commands: ReadonlyArray<(key: string) => Effect.Effect<unknown, unknown>> = [
        (key) => failure(redis.get(key)),
        (key) => failure(redis.hset(key, "f", "v")),
        (key) => failure(redis.hgetall(key)),
        (key) => failure(redis.hdel(key, ["f"])),
        (key) => failure(redis.xadd(key, [["n", "x"]])),
        (key) => failure(redis.xlen(key)),
        (key) => failure(redis.xrange(key, "-", "+")),
        (key) => failure(redis.xdel(key, ["1-0"])),
        (key) => failure(redis.xinfoStream(key)),
        (key) => failure(redis.xgroupCreate(key, "g", "0"))
      ]
      const owners = [
        ["string", [1, 2, 3, 4, 5, 6, 7, 8, 9]],
        ["hash", [0, 4, 5, 6, 7, 8, 9]],
        ["stream", [0, 1, 2, 3]]
      ] as const
      for (const [key, wrong] of owners) {
        for (const index of wrong) expect(yield* commands[index]!(key)).toMatchObject(wrongType)
      }
    })
  )

  it.effect("the layer gives each build a fresh store", () =>
    Effect.gen(function* () {
      const setOnce = RedisClient.RedisClient.use((redis) => redis.set("k", "v", { onlyIfMissing: true }))
      expect(yield* Effect.provide(setOnce, InMemoryRedis.layer)).toBe(true)
      expect(yield* Effect.provide(setOnce, InMemoryRedis.layer)).toBe(true)
    })
  )
})
