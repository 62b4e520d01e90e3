import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { EventStream, RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Deferred, Effect } from "effect"
import { eventually, uniqueName } from "./utils/redisLayers.js"

// Crash test on a real Redis: worker processes running the library consume
// one sink; two are killed with SIGKILL mid-batch and replaced. Every event
// must end up acked; duplicates are allowed (at-least-once) and reported.

const workerScript = fileURLToPath(new URL("./fixtures/sinkWorker.ts", import.meta.url))
const tsconfig = fileURLToPath(new URL("../tsconfig.test.json", import.meta.url))
const total = 20_000

interface Worker {
  readonly process: ChildProcess
  readonly handled: Array<string>
  readonly ready: Deferred.Deferred<string>
}

const startWorker = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const ready = yield* Deferred.make<string>()
    const child = spawn(process.execPath, ["--import", "tsx", workerScript], {
      env: { ...process.env, ...env, TSX_TSCONFIG_PATH: tsconfig },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const worker: Worker = { process: child, handled: [], ready }
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("ready ")) Deferred.doneUnsafe(ready, Effect.succeed(line.slice(6)))
      else if (line.startsWith("handled ")) worker.handled.push(line.slice(8))
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
    return worker
  })

layer(RedisTestServer.layerClient, { excludeTestServices: true, timeout: "120 seconds" })(
  "Sink crash test [Redis]",
  (it) => {
    it.effect(
      "four workers, two killed mid-batch and replaced: every event acked, none lost",
      () =>
        Effect.gen(function* () {
          const server = yield* RedisTestServer.RedisTestServer
          const redis = yield* RedisClient.RedisClient
          const stream = yield* EventStream.make(uniqueName("crash"), { maxLen: total * 2 })
          const sink = "crash-workers"
          const env = { REDIS_URL: server.url, STREAM: stream.name, SINK: sink, GRACE_MILLIS: "1000" }
          // The group exists before any event is added, so that every event is the sink's to deliver.
          yield* redis.xgroupCreate(stream.key, sink, "$", { mkStream: true })
          const workers = yield* Effect.forEach([1, 2, 3, 4], () => startWorker(env))
          const consumers = yield* Effect.forEach(workers, (worker) => Deferred.await(worker.ready))

          const ids: Array<string> = []
          const payload = "x".repeat(100)
          for (let batch = 0; batch < total / 500; batch++) {
            ids.push(...(yield* stream.addAll(Array.from({ length: 500 }, () => ({ name: "job", payload })))))
          }
          const handledSoFar = () => workers.reduce((sum, worker) => sum + worker.handled.length, 0)
          yield* eventually(Effect.sync(handledSoFar), (count) => count >= total / 4, "60 seconds")
          // Kill two workers while they hold events delivered but not acked.
          const victims = new Set(consumers.slice(0, 2))
          const pendingOfVictims = Effect.map(redis.xpending(stream.key, sink), (summary) =>
            summary.consumers.filter((consumer) => victims.has(consumer.name))
          )
          yield* eventually(pendingOfVictims, (pending) => pending.length === 2 && pending.every((c) => c.count > 0))
          workers[0]!.process.kill("SIGKILL")
          workers[1]!.process.kill("SIGKILL")
          const orphaned = (yield* pendingOfVictims).reduce((sum, consumer) => sum + consumer.count, 0)
          const replacements = yield* Effect.forEach([1, 2], () => startWorker(env))
          const everyone = [...workers, ...replacements]

          const progress = Effect.gen(function* () {
            const pending = (yield* redis.xpending(stream.key, sink)).count
            const [group] = yield* redis.xinfoGroups(stream.key)
            return { pending, lastDeliveredId: group?.lastDeliveredId }
          })
          yield* eventually(
            progress,
            ({ pending, lastDeliveredId }) => pending === 0 && lastDeliveredId === ids[ids.length - 1],
            "60 seconds"
          )

          const handled = everyone.flatMap((worker) => worker.handled)
          const distinct = new Set(handled)
          const missing = ids.filter((id) => !distinct.has(id))
          expect(missing).toEqual([])
          // The killed workers' pending events were claimed by the others, and
          // the killed consumers were removed once they had nothing pending.
          yield* eventually(
            redis.xinfoConsumers(stream.key, sink),
            (remaining) => remaining.every((consumer) => !victims.has(consumer.name)),
            "60 seconds"
          )
          expect(orphaned).toBeGreaterThan(0)
          console.log(
            `crash test: ${total} events; ${orphaned} were pending in the killed workers and were claimed by others; ${handled.length - distinct.size} were handled twice`
          )
        }),
      { timeout: 120_000 }
    )
  }
)
