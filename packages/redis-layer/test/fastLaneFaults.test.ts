/**
 * The fast lane fails and recovers as the shared connection does: a killed
 * connection, a restarted Redis, the layer's scope closing, and the switch
 * from the shared connection to the lane, on a real Redis.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Errors } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Exit, Fiber, Scope } from "effect"
import { blockingOverrides } from "../src/internal/blocking.js"
import * as Decoders from "../src/internal/decoders.js"
import * as FastLane from "../src/internal/fastLane.js"
import { command } from "../src/internal/send.js"
import { request } from "../src/internal/transport.js"
import { connectionsNamed, identity, ioredisClient, laneCarriesAdds, withLane } from "./fastLaneHelpers.js"
import { eventually, inspector, uniqueKey, whenReconnected } from "./helpers.js"

layer(RedisTestServer.layerOwned, { excludeTestServices: true })("the fast lane's faults on a real Redis", (it) => {
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
