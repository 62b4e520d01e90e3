/**
 * The fast lane (`internal/fastLane.ts`): the hot commands of a single-node
 * layer on a second connection that effect-pulse writes and reads itself.
 * Its replies and errors must be the ones the same commands get through
 * ioredis, and concurrent commands must share writes, on a real Redis.
 * Faults: `fastLaneFaults.test.ts`.
 */
import { describe, expect, layer } from "@effect/vitest"
import type { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Exit, Redacted } from "effect"
import { laneCarries, laneCarriesAdds, lastCommands, throughIoredis, tricky, withLane } from "./fastLaneHelpers.js"
import { bytesOf, callsBetween, commandCalls, info, inspector, uniqueKey } from "./helpers.js"

const plainFields = (entries: ReadonlyArray<RedisClient.StreamEntry>) =>
  entries.map((entry) => entry.fields.map(([name, value]) => [name, bytesOf(value)]))

layer(RedisTestServer.layerOwned, { excludeTestServices: true })("the fast lane on a real Redis", (it) => {
  describe("replies", () => {
    it.effect("XADD, XACK and the add scripts answer as through ioredis: IDs, nil, bytes, errors with codes", () =>
      Effect.gen(function* () {
        const side = yield* inspector
        const name = uniqueKey("lane-replies")
        const lane = yield* withLane(name)
        const plain = yield* throughIoredis()
        yield* laneCarriesAdds(lane, side, name)

        /** Runs `use` on both services, each with keys of its own; the two outcomes. */
        const both = <A, E>(use: (redis: RedisClient.Service, key: string) => Effect.Effect<A, E>) =>
          Effect.gen(function* () {
            const base = uniqueKey("both")
            return [
              yield* Effect.exit(use(lane, `${base}:lane`)),
              yield* Effect.exit(use(plain, `${base}:plain`))
            ] as const
          })
        const same = <A, E>(use: (redis: RedisClient.Service, key: string) => Effect.Effect<A, E>) =>
          Effect.map(both(use), ([viaLane, viaIoredis]) => {
            expect(viaLane).toEqual(viaIoredis)
            return viaLane
          })

        const fields: RedisClient.FieldsInput = [
          ["n", "créé"],
          ["p", tricky],
          ["tópico", "eu\r\n"]
        ]
        expect(yield* same((redis, key) => redis.xadd(key, fields, { id: "5-1" }))).toEqual(Exit.succeed("5-1"))
        expect(yield* same((redis, key) => redis.xadd(key, fields, { noMkStream: true }))).toEqual(Exit.succeed(null))
        const [automatic] = yield* both((redis, key) => redis.xadd(key, fields))
        expect(Exit.isSuccess(automatic) && /^\d+-\d+$/.test(automatic.value!)).toBe(true)
        // An ID no greater than the last, and a key holding another type: Redis's errors, codes and all.
        const smaller = yield* same((redis, key) =>
          Effect.flip(Effect.andThen(redis.xadd(key, fields, { id: "5-1" }), redis.xadd(key, fields, { id: "5-0" })))
        )
        expect(smaller).toMatchObject({ value: { _tag: "RedisCommandError", command: "XADD", code: "ERR" } })
        const wrongType = (redis: RedisClient.Service, key: string) =>
          Effect.flip(Effect.andThen(redis.set(key, "text"), redis.xadd(key, fields)))
        expect(yield* same(wrongType)).toMatchObject({
          value: { _tag: "RedisCommandError", command: "XADD", code: "WRONGTYPE" }
        })

        // The add scripts: many entries (the general script and the one for entries with the same fields).
        const mixed: ReadonlyArray<RedisClient.FieldsInput> = [
          fields,
          [["n", "x"]],
          [
            ["n", "y"],
            ["p", tricky]
          ]
        ]
        const alike: ReadonlyArray<RedisClient.FieldsInput> = Array.from({ length: 300 }, (_, i) => [
          ["n", `e${i}`],
          ["p", i % 2 === 0 ? tricky : new Uint8Array(0)]
        ])
        const added = yield* same((redis, key) =>
          Effect.gen(function* () {
            const ids = [...(yield* redis.xaddAll(key, mixed)), ...(yield* redis.xaddAll(key, alike))]
            const entries = yield* redis.xrange(key, "-", "+")
            expect(entries.map((entry) => entry.id)).toEqual(ids)
            return plainFields(entries)
          })
        )
        expect(Exit.isSuccess(added) && added.value.length).toBe(303)
        expect(
          yield* same((redis, key) => Effect.flip(Effect.andThen(redis.set(key, "text"), redis.xaddAll(key, mixed))))
        ).toMatchObject({ value: { command: "XADD", code: "WRONGTYPE" } })
        // The scripts of adds with an expiry and with an idempotency key.
        yield* same((redis, key) =>
          Effect.gen(function* () {
            const expiring = yield* redis.xadd(key, fields, { expire: { millis: 60_000 } })
            const dedupe = { key: `${key}:once`, windowMillis: 60_000 }
            const first = yield* redis.xadd(key, fields, { dedupe })
            expect(yield* redis.xadd(key, [["n", "again"]], { dedupe })).toBe(first)
            expect(yield* redis.pttl(key)).toBeGreaterThan(0)
            return [typeof expiring, typeof first]
          })
        )
        // Redis forgot the scripts: EVALSHA answers NOSCRIPT and the lane sends the script itself.
        yield* Effect.promise(() => side.script("FLUSH"))
        expect(yield* same((redis, key) => Effect.map(redis.xaddAll(key, mixed), (ids) => ids.length))).toEqual(
          Exit.succeed(3)
        )

        // XACK: a count, 0 for a group that does not exist, Redis's error for an ID that is not one.
        const acked = yield* same((redis, key) =>
          Effect.gen(function* () {
            yield* redis.xaddAll(key, mixed)
            yield* redis.xgroupCreate(key, "g", "0")
            const [read] = yield* redis.xreadgroup("g", "c", [{ key, id: ">" }])
            const ids = read!.entries.map((entry) => entry.id)
            return [
              yield* redis.xack(key, "g", ids),
              yield* redis.xack(key, "g", ids),
              yield* redis.xack(key, "none", ids)
            ]
          })
        )
        expect(acked).toEqual(Exit.succeed([3, 0, 0]))
        expect(
          yield* same((redis, key) =>
            Effect.flip(
              Effect.andThen(redis.xgroupCreate(key, "g", "$", { mkStream: true }), redis.xack(key, "g", ["not-an-id"]))
            )
          )
        ).toMatchObject({ value: { command: "XACK", code: "ERR" } })

        // All of it went on the lane: its connection's last command is the last XACK.
        yield* lane.xlen(uniqueKey("last"))
        expect(yield* lastCommands(side, name)).toEqual(["xack", "xlen"])
      })
    )

    it.effect("a user who may not run XADD gets NOPERM with the ACL hint, as through ioredis", () =>
      Effect.gen(function* () {
        const side = yield* inspector
        const user = `lane-${crypto.randomUUID().slice(0, 8)}`
        const password = "lane-acl-S3cret"
        yield* Effect.promise(() =>
          side.call("ACL", "SETUSER", user, "on", `>${password}`, "~*", "&*", "+@all", "-xadd")
        )
        const name = uniqueKey("lane-acl")
        const lane = yield* withLane(name, { username: user, password: Redacted.make(password) })
        const plain = yield* throughIoredis({ username: user, password })
        const key = uniqueKey("acl")
        const errors = (redis: RedisClient.Service) =>
          Effect.all([Effect.flip(redis.xadd(key, [["n", "x"]])), Effect.flip(redis.xaddAll(key, [[["n", "x"]]]))])
        // The script never succeeds, so it is always sent with EVAL (only a success marks it cached).
        yield* laneCarries(lane, side, name, errors(lane), "eval")
        const viaLane = yield* errors(lane)
        expect(viaLane).toEqual(yield* errors(plain))
        expect(viaLane[0]).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "NOPERM" })
        expect(viaLane[0].message).toContain("grant +xadd")
        // Inside a script Redis 7.0 words it as an ERR of its own, through ioredis as well.
        expect(viaLane[1]).toMatchObject({ _tag: "RedisCommandError", command: "XADD" })
        expect(JSON.stringify(viaLane)).not.toContain(password)
        yield* lane.xlen(key)
        expect(yield* lastCommands(side, name)).toEqual(["eval", "xlen"])
      })
    )
  })

  describe("writes", () => {
    it.effect("64 concurrent adds reach Redis in at most three reads, not one each", () =>
      Effect.gen(function* () {
        const side = yield* inspector
        const name = uniqueKey("lane-writes")
        const redis = yield* withLane(name)
        yield* laneCarriesAdds(redis, side, name)
        const key = uniqueKey("wave")
        const reads = Effect.map(info(side, "stats"), (stats) => Number(stats.total_reads_processed))
        const calls = yield* commandCalls(side)
        const before = yield* reads
        yield* Effect.forEach(
          Array.from({ length: 64 }),
          (_, i) =>
            redis.xadd(key, [
              ["n", String(i)],
              ["p", tricky]
            ]),
          {
            concurrency: "unbounded"
          }
        )
        // The reads of the two INFO commands count too (the first one's after its reply was taken).
        const readsForAdds = (yield* reads) - before - 1
        expect(callsBetween(calls, yield* commandCalls(side)).xadd).toBe(64)
        // One write with the first add (nothing was in flight), one with the others; Redis may split a read.
        expect(readsForAdds).toBeLessThanOrEqual(3)
      })
    )
  })
})
