/**
 * Every decoder of `internal/decoders.ts` gives the same value from a
 * reply's bytes (the fast lane) as from ioredis's reply (the shared
 * connection), for the same commands on a real Redis.
 */
import { expect, layer } from "@effect/vitest"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { blockingOverrides } from "../src/internal/blocking.js"
import * as Decoders from "../src/internal/decoders.js"
import * as FastLane from "../src/internal/fastLane.js"
import { type Argument, command } from "../src/internal/send.js"
import { overClient, request, type Transport } from "../src/internal/transport.js"
import { identity, ioredisClient } from "./fastLaneHelpers.js"
import { eventually, uniqueKey } from "./helpers.js"

layer(RedisTestServer.layerOwned, { excludeTestServices: true })("decoders on a real Redis", (it) => {
  it.effect("decode replies' bytes as ioredis's replies: IDs, nil, integers, flags, ID arrays, script replies", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const shared = yield* ioredisClient()
      const lane = yield* FastLane.make({
        shared,
        duplicate: () => shared.duplicate(blockingOverrides),
        timeoutMillis: 5000,
        target: server.url,
        scrub: identity
      })
      const viaIoredis = overClient(shared)
      const run = <A>(
        transport: Transport,
        name: string,
        args: ReadonlyArray<Argument>,
        decoder: Decoders.Decoder<A>
      ) => request(transport, command(name), args, decoder, identity)
      // Until the lane is up its commands go through the shared connection: wait for it.
      yield* eventually(
        Effect.map(run(lane, "PING", [], Decoders.scriptReply), () => lane.isConnected),
        "the lane connected"
      )

      /** Runs the command on both, each with a key of its own (`args(key)`); the value, checked equal. */
      const both = <A>(name: string, args: (key: string) => ReadonlyArray<Argument>, decoder: Decoders.Decoder<A>) =>
        Effect.gen(function* () {
          const key = uniqueKey("decoders")
          const fromBytes = yield* run(lane, name, args(`${key}:lane`), decoder)
          const fromIoredis = yield* run(viaIoredis, name, args(`${key}:ioredis`), decoder)
          expect(fromBytes).toEqual(fromIoredis)
          return fromBytes
        })

      expect(yield* both("XADD", (key) => [key, "7-1", "n", "x"], Decoders.idOrNull)).toBe("7-1")
      expect(yield* both("XADD", (key) => [key, "NOMKSTREAM", "*", "n", "x"], Decoders.idOrNull)).toBeNull()
      expect(
        yield* both(
          "EVAL",
          (key) => ["redis.call('XADD', KEYS[1], '*', 'n', 1) return redis.call('XLEN', KEYS[1])", 1, key],
          Decoders.integer
        )
      ).toBe(1)
      expect(yield* both("EVAL", () => ["return -42", 0], Decoders.integer)).toBe(-42)
      expect(
        yield* both(
          "EVAL",
          (key) => ["redis.call('SET', KEYS[1], 'v') return redis.call('EXISTS', KEYS[1])", 1, key],
          Decoders.flag
        )
      ).toBe(true)
      expect(yield* both("EXISTS", (key) => [key], Decoders.flag)).toBe(false)
      const ids = yield* both(
        "EVAL",
        (key) => [
          `local ids = {} for i = 1, 150 do ids[i] = redis.call("XADD", KEYS[1], i .. "-1", "n", i) end return ids`,
          1,
          key
        ],
        Decoders.ids
      )
      expect(ids).toHaveLength(150)
      expect(yield* both("EVAL", () => ["return {}", 0], Decoders.ids)).toEqual([])
      // Script replies: text (UTF-8, with CR LF), integers, nil, a status, nested tables, empty ones.
      const nested = yield* both(
        "EVAL",
        () => [`return {"créé\\r\\n", 7, -3, false, {"a", {1, {}}, ""}, redis.status_reply("OK"), {}}`, 0],
        Decoders.scriptReply
      )
      expect(nested).toEqual(["créé\r\n", 7, -3, null, ["a", [1, []], ""], "OK", []])
      expect(yield* both("EVAL", () => ["return false", 0], Decoders.scriptReply)).toBeNull()
      expect(yield* both("EVAL", () => ["return 'text'", 0], Decoders.scriptReply)).toBe("text")
    })
  )
})
