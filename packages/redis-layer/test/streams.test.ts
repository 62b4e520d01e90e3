import { describe, expect, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { bytesOf, callsBetween, commandCalls, inspector, uniqueKey, utf8 } from "./helpers.js"

const id = /^\d+-\d+$/

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("stream commands on a real Redis", (it) => {
  describe("xadd and xrange", () => {
    it.effect("round-trip binary, empty and text values byte for byte", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("binary")
        const binary = new Uint8Array([0xff, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a])
        const first = yield* redis.xadd(key, [
          ["n", "created"],
          ["p", binary]
        ])
        const second = yield* redis.xadd(key, [
          ["n", ""],
          ["p", new Uint8Array(0)]
        ])
        const third = yield* redis.xadd(key, [
          ["n", "unicode"],
          ["p", "héllo ✓"]
        ])
        expect(first).toMatch(id)
        expect(second).toMatch(id)

        const entries = yield* redis.xrange(key, "-", "+")
        expect(entries.map((entry) => entry.id)).toEqual([first, second, third])
        expect(entries.map((entry) => entry.fields.map(([field, value]) => [field, bytesOf(value)]))).toEqual([
          [
            ["n", bytesOf(utf8("created"))],
            ["p", bytesOf(binary)]
          ],
          [
            ["n", []],
            ["p", []]
          ],
          [
            ["n", bytesOf(utf8("unicode"))],
            ["p", bytesOf(utf8("héllo ✓"))]
          ]
        ])
        for (const entry of entries) for (const [, value] of entry.fields) expect(value).toBeInstanceOf(Uint8Array)
      })
    )

    it.effect("accept a Uint8Array that is a view into a larger buffer", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("view")
        const backing = new Uint8Array([1, 2, 3, 4, 5, 6])
        yield* redis.xadd(key, [["p", backing.subarray(2, 5)]])
        const [entry] = yield* redis.xrange(key, "-", "+")
        expect(bytesOf(entry!.fields[0]![1])).toEqual([3, 4, 5])
      })
    )

    it.effect("honour an explicit id, NOMKSTREAM and trimming", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("options")
        expect(yield* redis.xadd(key, [["n", "x"]], { id: "5-1" })).toBe("5-1")
        expect(yield* redis.xadd(uniqueKey("missing"), [["n", "x"]], { noMkStream: true })).toBeNull()
        expect(yield* redis.xadd(key, [["n", "y"]], { noMkStream: true })).toMatch(id)
        for (let i = 0; i < 5; i++)
          yield* redis.xadd(key, [["n", String(i)]], { trim: { maxLen: 3, approximate: false } })
        expect(yield* redis.xlen(key)).toBe(3)
        yield* redis.xadd(key, [["n", "z"]], { trim: { maxLen: 1000, approximate: true } })
        expect(yield* redis.xlen(key)).toBe(4)
      })
    )

    it.effect("xrange takes bounds and a count", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("range")
        const ids: Array<string> = []
        for (let i = 1; i <= 4; i++) ids.push((yield* redis.xadd(key, [["n", String(i)]], { id: `${i}-0` }))!)
        expect((yield* redis.xrange(key, "2-0", "+")).map((entry) => entry.id)).toEqual(["2-0", "3-0", "4-0"])
        expect((yield* redis.xrange(key, "-", "+", 2)).map((entry) => entry.id)).toEqual(["1-0", "2-0"])
        expect(yield* redis.xrange(uniqueKey("none"), "-", "+")).toEqual([])
      })
    )

    it.effect("an add without fields is refused by Redis with ERR", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const error = yield* Effect.flip(redis.xadd(uniqueKey("nofields"), []))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "ERR" })
      })
    )
  })

  describe("xaddAll", () => {
    it.effect("adds every entry in order with the trim, in one command", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("batch")
        yield* redis.xaddAll(key, [[["n", "warm-up"]]])
        const before = yield* commandCalls(side)
        const ids = yield* redis.xaddAll(
          key,
          [
            [
              ["n", "a"],
              ["p", new Uint8Array([0, 255])]
            ],
            [
              ["n", "b"],
              ["p", ""]
            ],
            [
              ["n", "c"],
              ["t", "eu"],
              ["p", "x"]
            ]
          ],
          { trim: { maxLen: 3, approximate: false } }
        )
        const after = yield* commandCalls(side)
        const sent = callsBetween(before, after)
        // One EVALSHA from the client (the XADDs ran inside it); INFO is the inspector's own command.
        expect(sent).toEqual({ evalsha: 1, xadd: 3, info: 1 })

        expect(ids).toHaveLength(3)
        const entries = yield* redis.xrange(key, "-", "+")
        expect(entries.map((entry) => entry.id)).toEqual(ids)
        expect(entries.map((entry) => entry.fields.map(([field, value]) => [field, bytesOf(value)]))).toEqual([
          [
            ["n", bytesOf(utf8("a"))],
            ["p", [0, 255]]
          ],
          [
            ["n", bytesOf(utf8("b"))],
            ["p", []]
          ],
          [
            ["n", bytesOf(utf8("c"))],
            ["t", bytesOf(utf8("eu"))],
            ["p", bytesOf(utf8("x"))]
          ]
        ])
      })
    )

    it.effect("sends the field names once when every entry has the same fields, with the same result", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        for (const names of [
          ["n", "p"],
          ["n", "p", "t"]
        ]) {
          const key = uniqueKey("same-fields")
          yield* redis.xaddAll(key, [names.map((name) => [name, "old"] as const)])
          const batch = Array.from({ length: 5 }, (_, i) =>
            names.map((name, j) => [name, j === 1 ? new Uint8Array([i, 255]) : `${name}${i}`] as const)
          )
          const ids = yield* redis.xaddAll(key, batch, {
            trim: { maxLen: 4, approximate: false },
            expire: { millis: 60_000 }
          })
          expect(ids).toHaveLength(5)
          const entries = yield* redis.xrange(key, "-", "+")
          // Trimmed to the last 4 once the batch is in: the old entry and the first of the batch are gone.
          expect(entries.map((entry) => entry.id)).toEqual(ids.slice(1))
          expect(entries.map((entry) => entry.fields.map(([field, value]) => [field, bytesOf(value)]))).toEqual(
            batch
              .slice(1)
              .map((fields) =>
                fields.map(([field, value]) => [field, bytesOf(typeof value === "string" ? utf8(value) : value)])
              )
          )
          expect(yield* redis.pttl(key)).toBeGreaterThan(50_000)
        }
      })
    )

    it.effect("a trim Redis refuses fails the batch with nothing stored, whatever the fields", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const batches: ReadonlyArray<ReadonlyArray<RedisClient.FieldsInput>> = [
          [[["n", "a"]], [["n", "b"]], [["n", "c"]]],
          [
            [
              ["n", "a"],
              ["p", "1"]
            ],
            [
              ["n", "b"],
              ["p", "2"]
            ]
          ]
        ]
        for (const batch of batches) {
          const key = uniqueKey("refused-trim")
          const error = yield* Effect.flip(redis.xaddAll(key, batch, { trim: { maxLen: -1, approximate: false } }))
          expect(error._tag).toBe("RedisCommandError")
          expect(yield* redis.exists([key])).toBe(0)
        }
      })
    )

    it.effect("sends nothing for an empty batch", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const before = yield* commandCalls(side)
        expect(yield* redis.xaddAll(uniqueKey("empty"), [])).toEqual([])
        const after = yield* commandCalls(side)
        expect(callsBetween(before, after)).toEqual({ info: 1 })
      })
    )

    it.effect("adds nothing when one entry has no fields", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("partial")
        const error = yield* Effect.flip(redis.xaddAll(key, [[["n", "a"]], []]))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "ERR" })
        expect(yield* redis.exists([key])).toBe(0)
      })
    )

    it.effect("reloads the script after SCRIPT FLUSH", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const side = yield* inspector
        const key = uniqueKey("flushed")
        yield* redis.xaddAll(key, [[["n", "a"]]])
        yield* Effect.promise(() => side.script("FLUSH"))
        expect(yield* redis.xaddAll(key, [[["n", "b"]], [["n", "c"]]])).toHaveLength(2)
        expect(yield* redis.xlen(key)).toBe(3)
      })
    )

    it.effect("maps an error inside the script to the XADD that failed", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("string")
        yield* redis.set(key, "not a stream")
        const error = yield* Effect.flip(redis.xaddAll(key, [[["n", "a"]]]))
        expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "WRONGTYPE" })
      })
    )
  })

  describe("xlen, xdel and xinfoStream", () => {
    it.effect("report the stream", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("info")
        const first = (yield* redis.xadd(key, [["n", "a"]]))!
        const last = (yield* redis.xadd(key, [["n", "b"]]))!
        yield* redis.xgroupCreate(key, "g", "0")
        expect(yield* redis.xlen(key)).toBe(2)
        expect(yield* redis.xinfoStream(key)).toEqual({ length: 2, lastGeneratedId: last, entriesAdded: 2, groups: 1 })
        expect(yield* redis.xdel(key, [first, "999-0"])).toBe(1)
        expect(yield* redis.xdel(key, [])).toBe(0)
        expect(yield* redis.xlen(key)).toBe(1)
        expect(yield* redis.xlen(uniqueKey("none"))).toBe(0)
      })
    )

    it.effect("xinfoStream of a missing key fails with ERR, of a string with WRONGTYPE", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const missing = yield* Effect.flip(redis.xinfoStream(uniqueKey("none")))
        expect(missing).toMatchObject({ _tag: "RedisCommandError", command: "XINFO", code: "ERR" })
        const key = uniqueKey("string")
        yield* redis.set(key, "v")
        const wrong = yield* Effect.flip(redis.xlen(key))
        expect(wrong).toMatchObject({ _tag: "RedisCommandError", command: "XLEN", code: "WRONGTYPE" })
        expect(wrong.message).toContain("WRONGTYPE")
      })
    )
  })

  describe("xread", () => {
    it.effect("reads several streams after their cursors", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const a = uniqueKey("a")
        const b = uniqueKey("b")
        const a1 = (yield* redis.xadd(a, [["n", "a1"]]))!
        const a2 = (yield* redis.xadd(a, [["n", "a2"]]))!
        const b1 = (yield* redis.xadd(b, [["p", new Uint8Array([7])]]))!
        const reads = yield* redis.xread([
          { key: a, id: a1 },
          { key: b, id: "0-0" }
        ])
        expect(reads.map((read) => ({ key: read.key, ids: read.entries.map((entry) => entry.id) }))).toEqual([
          { key: a, ids: [a2] },
          { key: b, ids: [b1] }
        ])
        expect(bytesOf(reads[1]!.entries[0]!.fields[0]![1])).toEqual([7])
        expect((yield* redis.xread([{ key: a, id: "0-0" }], { count: 1 }))[0]!.entries.map((e) => e.id)).toEqual([a1])
      })
    )

    it.effect("returns an empty array when nothing is new", () =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const key = uniqueKey("quiet")
        const last = (yield* redis.xadd(key, [["n", "a"]]))!
        expect(yield* redis.xread([{ key, id: last }])).toEqual([])
        expect(yield* redis.xread([{ key: uniqueKey("none"), id: "0-0" }])).toEqual([])
      })
    )
  })
})
