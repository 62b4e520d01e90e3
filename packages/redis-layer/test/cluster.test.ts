import { describe, expect, it, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
import { ConfigProvider, Effect, Fiber, Redacted, Schedule } from "effect"
import { Redis } from "ioredis"
import { slotOf } from "../src/internal/cluster/slots.js"
import { uniqueKey } from "./helpers.js"

/** Keys of `count` different slots, each unique to the test. */
const keysInDifferentSlots = (base: string, count: number): ReadonlyArray<string> => {
  const keys: Array<string> = []
  const slots = new Set<number>()
  while (keys.length < count) {
    const key = `pulse:stream:${uniqueKey(base)}`
    if (slots.has(slotOf(key))) continue
    slots.add(slotOf(key))
    keys.push(key)
  }
  return keys
}

/** How many clients are blocked on the cluster's nodes right now (`INFO clients`). */
const blockedClients = (nodes: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const infos = await Promise.all(
      nodes.map(async (node) => {
        const [host, port] = node.split(":")
        const client = new Redis({ host: host!, port: Number(port), lazyConnect: true })
        client.on("error", () => {})
        try {
          await client.connect()
          return await client.info("clients")
        } finally {
          client.disconnect()
        }
      })
    )
    return infos.reduce((total, info) => total + Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? 0), 0)
  })

const text = (value: Uint8Array) => new TextDecoder().decode(value)

layer(RedisTestCluster.layerClient, { excludeTestServices: true, timeout: "60 seconds" })("layerCluster", (it) => {
  it.effect("reads and deletes keys of several slots as one call", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const [a, b, c] = keysInDifferentSlots("multi", 3) as [string, string, string]
      yield* redis.xadd(a, [["n", "a"]])
      yield* redis.xadd(b, [["n", "b"]])
      const reads = yield* redis.xread([
        { key: a, id: "0-0" },
        { key: b, id: "0-0" },
        { key: c, id: "0-0" }
      ])
      expect(reads.map((read) => [read.key, text(read.entries[0]!.fields[0]![1])]).sort()).toEqual(
        [
          [a, "a"],
          [b, "b"]
        ].sort()
      )
      expect(yield* redis.exists([a, b, c])).toBe(2)
      expect(yield* redis.del([a, b, c])).toBe(2)
      expect(yield* redis.exists([a, b])).toBe(0)
    })
  )

  it.effect("a blocking read over several slots wakes up on an add to any of them", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const [a, b, c] = keysInDifferentSlots("wake", 3) as [string, string, string]
      for (const key of [a, b, c]) yield* redis.xgroupCreate(key, "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      const cursors = [a, b, c].map((key) => ({ key, id: ">" }))
      const reading = yield* Effect.forkChild(connection.xreadgroup("g", "c1", cursors, { blockMillis: 0 }))
      // Wait until a read is blocked on each slot, so that the add below wakes a blocked read up.
      const cluster = yield* RedisTestCluster.RedisTestCluster
      yield* Effect.repeat(blockedClients(cluster.nodes), {
        schedule: Schedule.spaced("5 millis"),
        until: (blocked) => blocked >= 3
      })
      yield* redis.xadd(c, [["n", "late"]])
      const reads = yield* Fiber.join(reading)
      expect(reads.map((read) => read.key)).toEqual([c])
      // The same connection blocks again, and times out with nothing.
      expect(yield* connection.xreadgroup("g", "c1", cursors, { blockMillis: 50 })).toEqual([])
      // What was already there is returned without blocking.
      yield* redis.xadd(a, [["n", "one"]])
      yield* redis.xadd(b, [["n", "two"]])
      const both = yield* connection.xreadgroup("g", "c1", cursors, { blockMillis: 0 })
      expect(both.map((read) => read.key).sort()).toEqual([a, b].sort())
    }).pipe(Effect.scoped)
  )

  it.effect("entries delivered to any slot's read while another slot's read won are returned, not left pending", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const cluster = yield* RedisTestCluster.RedisTestCluster
      const keys = keysInDifferentSlots("together", 3)
      for (const key of keys) yield* redis.xgroupCreate(key, "g", "$", { mkStream: true })
      const connection = yield* redis.blockingConnection
      const cursors = keys.map((key) => ({ key, id: ">" }))
      const returned: Array<string> = []
      for (let round = 0; round < 5; round++) {
        const reading = yield* Effect.forkChild(connection.xreadgroup("g", "c1", cursors, { blockMillis: 0 }))
        yield* Effect.repeat(blockedClients(cluster.nodes), {
          schedule: Schedule.spaced("5 millis"),
          until: (blocked) => blocked >= 3
        })
        // One add to every slot at once: several blocked reads get entries at nearly the same moment.
        yield* Effect.forEach(keys, (key) => redis.xadd(key, [["n", String(round)]]), { concurrency: "unbounded" })
        const reads = yield* Fiber.join(reading)
        returned.push(...reads.flatMap((read) => read.entries.map((entry) => `${read.key}/${entry.id}`)))
        // What the first read left is there without blocking.
        const rest = yield* connection.xreadgroup("g", "c1", cursors, { blockMillis: 1 })
        returned.push(...rest.flatMap((read) => read.entries.map((entry) => `${read.key}/${entry.id}`)))
      }
      // Every entry Redis delivered to the consumer (its pending list) was handed to the caller.
      const pending = yield* Effect.forEach(keys, (key) => redis.xpending(key, "g"))
      expect(pending.reduce((total, summary) => total + summary.count, 0)).toBe(15)
      expect(new Set(returned).size).toBe(15)
    }).pipe(Effect.scoped)
  )

  it.effect("addAll and the scripts run on the slot of their key", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const key = `pulse:stream:{${uniqueKey("orders")}}.eu`
      const ids = yield* redis.xaddAll(key, [[["n", "1"]], [["n", "2"]]])
      expect(yield* redis.xlen(key)).toBe(2)
      yield* redis.xgroupCreate(key, "g", "0")
      yield* redis.xreadgroup("g", "c1", [{ key, id: ">" }], { count: 1 })
      expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "c1")).toBe(false)
      yield* redis.xack(key, "g", [ids[0]!])
      expect(yield* redis.xgroupDelConsumerIfNoPending(key, "g", "c1")).toBe(true)
    })
  )

  it.effect("is configured from REDIS_CLUSTER_NODES", () =>
    Effect.gen(function* () {
      const cluster = yield* RedisTestCluster.RedisTestCluster
      const key = `pulse:stream:${uniqueKey("config")}`
      const env = { REDIS_CLUSTER_NODES: `redis://${cluster.nodes[0]}, ${cluster.nodes[1]}` }
      const length = yield* RedisClient.RedisClient.use((redis) =>
        Effect.andThen(redis.xadd(key, [["n", "x"]]), redis.xlen(key))
      ).pipe(
        Effect.provide(RedisLayer.layerClusterConfig()),
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env))
      )
      expect(length).toBe(1)
    })
  )

  it.effect("refuses bad options before connecting, and hides the password", () =>
    Effect.gen(function* () {
      const cluster = yield* RedisTestCluster.RedisTestCluster
      const build = (options: RedisLayer.ClusterOptions) =>
        RedisClient.RedisClient.use((redis) => redis.xlen("k")).pipe(
          Effect.provide(RedisLayer.layerCluster(options)),
          Effect.flip
        )
      expect(yield* build({ nodes: [] })).toMatchObject({ _tag: "InvalidOption", option: "nodes" })
      expect(yield* build({ nodes: [`redis://${cluster.nodes[0]}/1`] })).toMatchObject({
        _tag: "InvalidOption",
        option: "nodes"
      })
      expect(yield* build({ nodes: ["http://127.0.0.1:1"] })).toMatchObject({ _tag: "InvalidOption" })
      expect(
        yield* build({ nodes: cluster.nodes, waitForReplicas: { replicas: 0, timeout: "1 second" } })
      ).toMatchObject({ _tag: "InvalidOption", option: "waitForReplicas.replicas" })
      const secret = "cluster-secret-4711"
      // Nothing listens on port 1: the layer fails with the seeds in its message, passwords hidden.
      const refused = yield* build({
        nodes: [`redis://user:${secret}@127.0.0.1:1`],
        password: Redacted.make(secret),
        connectTimeout: "300 millis"
      })
      expect(refused._tag).toBe("RedisConnectionError")
      expect(JSON.stringify(refused) + String(refused)).not.toContain(secret)
    })
  )

  it.effect("waitForReplicas: an add succeeds once a replica has it, and says so when none does in time", () =>
    Effect.gen(function* () {
      const cluster = yield* RedisTestCluster.RedisTestCluster
      const key = `pulse:stream:${uniqueKey("wait")}`
      const withWait = (replicas: number) =>
        RedisLayer.layerCluster({ nodes: cluster.nodes, waitForReplicas: { replicas, timeout: "200 millis" } })
      const add = RedisClient.RedisClient.use((redis) => redis.xadd(key, [["n", "x"]]))
      expect(yield* add.pipe(Effect.provide(withWait(1)))).toMatch(/^\d+-\d+$/)
      // Each primary has one replica: two can never acknowledge.
      const error = yield* add.pipe(Effect.provide(withWait(2)), Effect.flip)
      expect(error).toMatchObject({ _tag: "RedisCommandError", command: "WAIT", code: "UNREPLICATED" })
      // The failed WAIT says the entry was added, and it was.
      expect(yield* RedisClient.RedisClient.use((redis) => redis.xlen(key))).toBe(2)
    })
  )
})

describe("clusterConfig", () => {
  it("splits REDIS_CLUSTER_NODES", async () => {
    const options = await Effect.runPromise(
      RedisLayer.clusterConfig.pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromUnknown({ REDIS_CLUSTER_NODES: "a:1, b:2,,", REDIS_PASSWORD: "pw" })
        )
      )
    )
    expect(options.nodes).toEqual(["a:1", "b:2"])
    expect(Redacted.isRedacted(options.password)).toBe(true)
  })
})
