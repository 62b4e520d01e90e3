import { expect, layer } from "@effect/vitest"
import { DeadLetter, EventStream, Inspect, RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Fiber } from "effect"
import { cli, unique } from "./helpers.js"

const lines = (text: string) => text.trim().split("\n")

layer(RedisTestServer.layerClient, { excludeTestServices: true, timeout: "120 seconds" })("effect-pulse CLI", (it) => {
  it.effect("add, streams, info and sinks: tables for people, JSON equal to the inspection API", () =>
    Effect.gen(function* () {
      const name = unique("cli-orders")
      const first = yield* cli(["add", name, "created", '{"id":1}', "--topic", "eu"])
      expect(first).toMatchObject({ code: 0, stderr: "" })
      const second = yield* cli(["add", name, "created", "-"], { stdin: '{"id":2}' })
      expect(second.code).toBe(0)
      const redis = yield* RedisClient.RedisClient
      const key = `pulse:stream:${name}`
      const entries = yield* redis.xrange(key, "-", "+")
      expect(entries.map((entry) => entry.id)).toEqual([first.stdout.trim(), second.stdout.trim()])
      expect(new TextDecoder().decode(entries[1]!.fields.find(([field]) => field === "p")![1])).toBe('{"id":2}')

      yield* redis.xgroupCreate(key, "billing", "0")
      yield* redis.xreadgroup("billing", "c1", [{ key, id: ">" }], { count: 1 })

      const streams = yield* cli(["streams"])
      expect(streams.code).toBe(0)
      expect(lines(streams.stdout)[0]).toMatch(/^STREAM\s+LENGTH\s+SINKS\s+DEAD\s+LAST ENTRY$/)
      expect(streams.stdout).toMatch(new RegExp(`^${name}\\s+2\\s+1\\s+0\\s`, "m"))

      const info = yield* cli(["info", name])
      expect(info.code).toBe(0)
      expect(info.stdout).toMatch(/^length\s+2$/m)
      expect(info.stdout).toMatch(/^billing\s+1\s+1\s+\S+\s+1\s+0\s+0\s+0$/m)
      expect(info.stdout).toMatch(/^billing\s+c1\s+1\s+\S+\s+-\s+stale$/m)

      const json = JSON.parse((yield* cli(["info", name, "--json"])).stdout)
      const expected = yield* Inspect.stream(name)
      expect({ ...json, sinks: json.sinks.map(withoutTimes) }).toEqual({
        ...expected,
        sinks: expected.sinks.map(withoutTimes)
      })
      const sinks = JSON.parse((yield* cli(["sinks", name, "--json"])).stdout)
      expect(sinks.map(withoutTimes)).toEqual(expected.sinks.map(withoutTimes))
      yield* redis.del([key])
    })
  )

  it.effect("tail: from the oldest, by topic, and following events added after it started", () =>
    Effect.gen(function* () {
      const name = unique("cli-tail")
      const stream = yield* EventStream.make(name)
      const a = yield* stream.add("created", "a", { topic: "eu" })
      yield* stream.add("created", "b", { topic: "us" })
      const oldest = yield* cli(["tail", name, "--from", "oldest", "--count", "2"])
      expect(oldest.code).toBe(0)
      expect(lines(oldest.stdout)).toEqual([
        expect.stringMatching(/ created \[eu\] {2}a$/),
        expect.stringMatching(/ created \[us\] {2}b$/)
      ])

      const byTopic = yield* cli(["tail", name, "--from", "oldest", "--topic", "us", "--count", "1", "--json"])
      expect(JSON.parse(byTopic.stdout)).toMatchObject({ stream: name, event: "created", topic: "us", payload: "b" })

      // Started after `a`: it waits for new events, and prints them as they come.
      const following = yield* Effect.forkChild(cli(["tail", name, "--from", a!, "--count", "3", "--json"]))
      const c = yield* stream.add("shipped", "c")
      const d = yield* stream.add("shipped", "d")
      const followed = yield* Fiber.join(following)
      expect(lines(followed.stdout).map((line) => JSON.parse(line).id)).toEqual([expect.any(String), c, d])
      yield* stream.destroy
    })
  )

  it.effect("pending and dead letters: list, replay with a filter, remove", () =>
    Effect.gen(function* () {
      const name = unique("cli-dead")
      const stream = yield* EventStream.make(name)
      const redis = yield* RedisClient.RedisClient
      const id = yield* stream.add("created", "x")
      yield* redis.xgroupCreate(stream.key, "billing", "0")
      yield* redis.xreadgroup("billing", "c1", [{ key: stream.key, id: ">" }])
      const pending = yield* cli(["pending", name, "billing", "--json"])
      expect(JSON.parse(pending.stdout)).toEqual([expect.objectContaining({ id, consumer: "c1", deliveries: 1 })])
      expect((yield* cli(["pending", name, "billing"])).stdout).toMatch(
        new RegExp(`^${id}\\s+c1\\s+\\S+\\s+\\S+\\s+1$`, "m")
      )

      const letter = (sink: string, payload: string) =>
        redis.xadd(DeadLetter.key(name), [
          ["n", "charged"],
          ["p", payload],
          ["sink", sink],
          ["deliveries", "5"],
          ["id", id!]
        ])
      const fromBilling = yield* letter("billing", "one")
      const fromAudit = yield* letter("audit", "two")
      const fromAuditToo = yield* letter("audit", "three")
      const listed = yield* cli(["dead", "list", name])
      expect(listed.stdout).toMatch(
        new RegExp(`^${fromBilling}\\s+${id}\\s+billing\\s+5\\s+charged\\s+-\\s+\\S+\\s+one$`, "m")
      )
      expect(JSON.parse((yield* cli(["dead", "list", name, "--json"])).stdout)).toHaveLength(3)

      const replayed = yield* cli(["dead", "replay", name, "--sink", "billing", "--json"])
      expect(replayed.code).toBe(0)
      const [newId] = JSON.parse(replayed.stdout).replayed
      expect((yield* redis.xrange(stream.key, newId, newId))[0]!.fields.map(([field]) => field)).toEqual(["n", "p"])
      expect((yield* cli(["dead", "remove", name, fromAudit!])).stdout.trim()).toBe("removed 1 dead letter(s)")
      expect((yield* DeadLetter.list(name)).map((left) => left.id)).toEqual([fromAuditToo])
      yield* redis.del([DeadLetter.key(name)])
      yield* stream.destroy
    })
  )

  it.effect("exit codes: 0 help, 2 usage, 3 not found, 4 Redis unreachable; messages on standard error", () =>
    Effect.gen(function* () {
      // Separate processes: run them side by side.
      const runs = yield* Effect.all(
        {
          help: cli(["dead", "replay", "--help"]),
          noArgument: cli(["info"]),
          unknownCommand: cli(["frobnicate"]),
          badFrom: cli(["tail", "x", "--from", "yesterday-ish"]),
          badName: cli(["info", ""]),
          badInterval: cli(["dashboard", "--port", "0", "--interval", "1 millis"]),
          missing: cli(["info", unique("nothing")]),
          missingSink: cli(["pending", "x", "y"]),
          unreachable: cli(["streams"], { url: "redis://127.0.0.1:1" })
        },
        { concurrency: "unbounded" }
      )
      const { help, badFrom, missing, unreachable } = runs
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("--sink string")
      expect(runs.noArgument.code).toBe(2)
      expect(runs.unknownCommand.code).toBe(2)
      expect(badFrom).toMatchObject({ code: 2, stdout: "" })
      expect(badFrom.stderr).toContain("--from must be oldest, newest, an entry ID or a time")
      expect(runs.badName.code).toBe(2)
      expect(runs.badInterval).toMatchObject({ code: 2, stdout: "" })
      expect(missing).toMatchObject({ code: 3, stdout: "" })
      expect(missing.stderr).toMatch(/^effect-pulse: no stream named nothing-/)
      expect(runs.missingSink.code).toBe(3)
      expect(unreachable.code).toBe(4)
      expect(unreachable.stderr).toContain("could not connect to Redis")
    })
  )
})

/** A sink without the times that move between two inspections. */
const withoutTimes = (sink: Inspect.SinkInfo) => ({
  ...sink,
  oldestPending: sink.oldestPending === null ? null : { ...sink.oldestPending, idleMillis: 0, ageMillis: 0 },
  consumers: sink.consumers.map((consumer) => ({ ...consumer, idleMillis: 0 }))
})
