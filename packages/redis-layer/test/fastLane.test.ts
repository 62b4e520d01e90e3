/**
 * The fast lane (`internal/fastLane.ts`): the hot commands of a single-node
 * layer on a second connection that effect-pulse writes and reads itself.
 * Its replies and errors must be the ones the same commands get through
 * ioredis, concurrent commands must share writes, and it must fail and
 * recover as the shared connection does, on a real Redis.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Errors, RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Context, Effect, Exit, Fiber, Layer, Redacted, Scope } from "effect"
import { Redis } from "ioredis"
import { blockingOverrides } from "../src/internal/blocking.js"
import * as Decoders from "../src/internal/decoders.js"
import * as FastLane from "../src/internal/fastLane.js"
import { reconnectDelay } from "../src/internal/options.js"
import { command } from "../src/internal/send.js"
import { request } from "../src/internal/transport.js"
import {
  bytesOf,
  callsBetween,
  commandCalls,
  eventually,
  info,
  inspector,
  uniqueKey,
  whenReconnected
} from "./helpers.js"

/** Bytes that look like RESP inside a payload: CR LF, a bulk header, NUL, 0xFF. */
const tricky = new Uint8Array([...Buffer.from("a\r\n$3\r\n*1\r\n:7\r\n"), 0, 13, 10, 255, 13])

const identity = (text: string) => text

/** A layer with the fast lane, its connections named `name`. */
const withLane = (name: string, options: RedisLayer.Options = {}) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    const context = yield* Layer.build(
      RedisLayer.layer({ url: server.url, ...options, ioredis: { connectionName: name, ...options.ioredis } })
    )
    return Context.get(context, RedisClient.RedisClient)
  })

/** A plain ioredis client with the layer's settings, connected; closed with the scope. */
const ioredisClient = (options: { username?: string; password?: string } = {}) =>
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
const throughIoredis = (options: { username?: string; password?: string } = {}) =>
  Effect.gen(function* () {
    const client = yield* ioredisClient(options)
    return Context.get(yield* Layer.build(RedisLayer.fromClient(client)), RedisClient.RedisClient)
  })

/** The connections named `name`: their last command and flags, from `CLIENT LIST`. */
const connectionsNamed = (side: Redis, name: string) =>
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
const lastCommands = (side: Redis, name: string) =>
  Effect.map(connectionsNamed(side, name), (connections) => connections.map((connection) => connection.cmd).sort())

/**
 * Waits until `hot` runs on a connection of its own: an `XLEN` (the shared
 * connection) then `hot` leave two connections named `name` whose last
 * commands are `XLEN` and `expected`.
 */
const laneCarries = <A, E>(
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
const laneCarriesAdds = (redis: RedisClient.Service, side: Redis, name: string) =>
  laneCarries(redis, side, name, redis.xadd(uniqueKey("lane-probe"), [["n", "probe"]]), "xadd")

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

  describe("faults", () => {
    it.effect(
      "an add in flight when the lane's connection is killed fails, is never sent again, and the next add works",
      () =>
        Effect.gen(function* () {
          const side = yield* inspector
          const name = uniqueKey("lane-kill")
          const redis = yield* withLane(name)
          yield* laneCarriesAdds(redis, side, name)
          const key = uniqueKey("killed")
          // Redis holds back clients sending writes: the add waits inside Redis, in flight.
          yield* Effect.promise(() => side.call("CLIENT", "PAUSE", "10000", "WRITE"))
          const inFlight = yield* Effect.forkChild(redis.xadd(key, [["n", "lost"]]))
          yield* eventually(
            Effect.map(connectionsNamed(side, name), (connections) =>
              connections.some((connection) => connection.cmd === "xadd" && connection.flags.includes("b"))
            ),
            "the add held in Redis"
          )
          yield* Effect.promise(() => side.call("CLIENT", "KILL", "TYPE", "normal"))
          yield* Effect.promise(() => side.call("CLIENT", "UNPAUSE"))
          const error = yield* Effect.flip(Fiber.join(inFlight))
          expect(error).toBeInstanceOf(Errors.RedisConnectionError)
          expect(error.message).toMatch(/^XADD failed: /)
          const next = yield* whenReconnected(redis.xadd(key, [["n", "next"]]))
          yield* laneCarriesAdds(redis, side, name)
          // The add that failed never ran and was not sent again on the new connection.
          const entries = yield* redis.xrange(key, "-", "+")
          expect(entries.map((entry) => entry.id)).toEqual([next])
        })
    )

    it.effect(
      "while Redis is down hot commands fail at once as the shared connection's do; after a restart, the lane is back",
      () =>
        Effect.gen(function* () {
          const server = yield* RedisTestServer.RedisTestServer
          const name = uniqueKey("lane-restart")
          const redis = yield* withLane(name)
          const key = uniqueKey("restart")
          yield* laneCarriesAdds(redis, yield* inspector, name)
          yield* server.kill
          for (let i = 0; i < 3; i++) {
            const failures = yield* Effect.all([
              Effect.flip(redis.xadd(key, [["n", "down"]])),
              Effect.flip(redis.xaddAll(key, [[["n", "down"]]])),
              Effect.flip(redis.xack(key, "g", ["1-1"])),
              Effect.flip(redis.xlen(key))
            ]).pipe(Effect.timeout("5 seconds"))
            for (const failure of failures) expect(failure).toBeInstanceOf(Errors.RedisConnectionError)
            expect(failures.map((failure) => failure.message.split(" ")[0])).toEqual(["XADD", "XADD", "XACK", "XLEN"])
          }
          yield* server.restart
          yield* whenReconnected(redis.xadd(key, [["n", "after"]]))
          yield* laneCarriesAdds(redis, yield* inspector, name)
        })
    )

    it.effect("the lane closes with the layer's scope; adds fail afterwards", () =>
      Effect.gen(function* () {
        const side = yield* inspector
        const name = uniqueKey("lane-close")
        const scope = yield* Scope.make()
        const redis = yield* Scope.provide(scope)(withLane(name))
        yield* laneCarriesAdds(redis, side, name)
        yield* Scope.close(scope, Exit.void)
        yield* eventually(
          Effect.map(connectionsNamed(side, name), (connections) => connections.length === 0),
          "both connections closed"
        )
        expect(yield* Effect.flip(redis.xadd(uniqueKey("closed"), [["n", "x"]]))).toBeInstanceOf(
          Errors.RedisConnectionError
        )
      })
    )
  })

  describe("switching to the lane", () => {
    it.effect("adds sent once the lane is up wait for those still in flight on the shared connection", () =>
      Effect.gen(function* () {
        const server = yield* RedisTestServer.RedisTestServer
        const side = yield* inspector
        const laneName = uniqueKey("lane-switch")
        const shared = yield* ioredisClient()
        const lane = yield* FastLane.make({
          shared,
          duplicate: () => shared.duplicate({ ...blockingOverrides, connectionName: laneName }),
          timeoutMillis: 5000,
          target: server.url,
          scrub: identity
        })
        const key = uniqueKey("switch")
        let sent = 0
        const add = (i: number) =>
          Effect.suspend(() => {
            sent++
            return request(lane, command("XADD"), [key, "*", "n", String(i)], Decoders.idOrNull, identity)
          })
        // Redis holds back the first wave, sent through the shared connection while the lane connects.
        yield* Effect.promise(() => side.call("CLIENT", "PAUSE", "10000", "WRITE"))
        const first = yield* Effect.forkChild(
          Effect.forEach(
            Array.from({ length: 20 }, (_, i) => add(i)),
            (a) => a,
            { concurrency: "unbounded" }
          )
        )
        yield* eventually(
          Effect.sync(() => lane.isConnected),
          "the lane connected"
        )
        const second = yield* Effect.forkChild(
          Effect.forEach(
            Array.from({ length: 20 }, (_, i) => add(20 + i)),
            (a) => a,
            { concurrency: "unbounded" }
          )
        )
        yield* eventually(
          Effect.sync(() => sent === 40),
          "every add sent"
        )
        // The lane holds the second wave back: Redis has received nothing on it but the connection's PING.
        const [laneConnection] = yield* connectionsNamed(side, laneName)
        expect(laneConnection).toEqual({ cmd: "ping", flags: "N" })
        yield* Effect.promise(() => side.call("CLIENT", "UNPAUSE"))
        const ids = [...(yield* Fiber.join(first)), ...(yield* Fiber.join(second))]
        const entries = yield* Effect.promise(() => shared.xrange(key, "-", "+"))
        expect(entries.map(([id]) => id)).toEqual(ids)
        expect(entries.map(([, fields]) => Number(fields[1]))).toEqual(Array.from({ length: 40 }, (_, i) => i))
        expect((yield* connectionsNamed(side, laneName))[0]!.cmd).toBe("xadd")
      })
    )
  })
})
