/**
 * Add throughput: the same number of 100-byte events added one at a time,
 * many in flight, or in batches, by each library.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import { EventStream } from "@effect-pulse/core"
import { Queue } from "bullmq"
import { Effect, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import type { Redis } from "ioredis"
import { bytesPayload, textPayload } from "../payload.js"
import {
  bullConnection,
  forEachConcurrently,
  ioredisClient,
  now,
  persistedQueueLayer,
  pulseLayer,
  rate,
  uniqueName
} from "./common.js"
import type { AddJob, AddMode, JobResult } from "./types.js"

/**
 * The `MAXLEN ~` every stream add uses, effect-pulse's and the baseline's
 * alike: far above the event counts, so that trimming never removes
 * anything but its argument is parsed all the same.
 *
 * @since 0.1.0
 * @category constants
 */
export const benchMaxLen = 10_000_000

/**
 * Adds `count` events to `key` with raw ioredis, `batch` `XADD`s per
 * pipeline: the producer of the raw consumer loops, so that every consumer
 * measurement is fed the same way.
 *
 * @since 0.1.0
 * @category jobs
 */
export const addRawInPipelines = async (client: Redis, key: string, count: number, batch: number): Promise<void> => {
  for (let done = 0; done < count; done += batch) {
    const pipeline = client.pipeline()
    for (let i = 0; i < Math.min(batch, count - done); i++) {
      pipeline.xadd(key, "MAXLEN", "~", benchMaxLen, "*", "n", "bench", "p", bytesPayload)
    }
    await pipeline.exec()
  }
}

const timed = async (events: number, run: (count: number) => Promise<void>): Promise<number> => {
  const startedAt = now()
  await run(events)
  return rate(events, startedAt, now())
}

const batches = async (count: number, batch: number, run: (size: number) => Promise<unknown>): Promise<void> => {
  for (let done = 0; done < count; done += batch) await run(Math.min(batch, count - done))
}

const pulse = (job: AddJob, url: string) =>
  Effect.gen(function* () {
    const measure = Effect.fnUntraced(function* (name: string, count: number) {
      const stream = yield* EventStream.make(name, { maxLen: benchMaxLen })
      const mode = job.mode
      const batch =
        mode._tag === "batch"
          ? Array.from({ length: mode.batch }, () => ({ name: "bench", payload: bytesPayload }))
          : []
      const startedAt = now()
      switch (mode._tag) {
        case "sequential":
          for (let i = 0; i < count; i++) yield* stream.add("bench", bytesPayload)
          break
        case "concurrent": {
          if (mode.forkPerAdd === true) {
            yield* Effect.forEach(Array.from({ length: count }), () => stream.add("bench", bytesPayload), {
              concurrency: mode.inFlight,
              discard: true
            })
            break
          }
          // `inFlight` lanes adding one after the other, as the raw ioredis cell does (`forEachConcurrently`).
          let next = 0
          const lane = Effect.whileLoop({
            while: () => next < count,
            body: () =>
              Effect.suspend(() => {
                next++
                return stream.add("bench", bytesPayload)
              }),
            step: () => {}
          })
          yield* Effect.forEach(Array.from({ length: Math.min(mode.inFlight, count) }), () => lane, {
            concurrency: "unbounded",
            discard: true
          })
          break
        }
        case "batch":
          for (let done = 0; done < count; done += mode.batch) {
            const size = Math.min(mode.batch, count - done)
            yield* stream.addAll(size === batch.length ? batch : batch.slice(0, size))
          }
      }
      return rate(count, startedAt, now())
    })
    yield* measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: yield* measure(uniqueName("add"), job.events) } satisfies JobResult
  }).pipe(Effect.provide(pulseLayer(url)))

const ioredis = (job: AddJob, url: string) =>
  Effect.gen(function* () {
    // Auto-pipelining (as effect-pulse's connection has it) only changes anything with many commands in flight.
    const client = yield* ioredisClient(url, { autoPipelining: job.mode._tag === "concurrent" })
    const add = (key: string) => client.xadd(key, "MAXLEN", "~", benchMaxLen, "*", "n", "bench", "p", bytesPayload)
    const measure = (key: string, count: number) =>
      timed(count, (events) => {
        const mode = job.mode
        switch (mode._tag) {
          case "sequential":
            return batches(events, 1, () => add(key))
          case "concurrent":
            return forEachConcurrently(events, mode.inFlight, () => add(key))
          case "batch":
            return batches(events, mode.batch, (size) => {
              const pipeline = client.pipeline()
              for (let i = 0; i < size; i++) {
                pipeline.xadd(key, "MAXLEN", "~", benchMaxLen, "*", "n", "bench", "p", bytesPayload)
              }
              return pipeline.exec()
            })
        }
      })
    return yield* Effect.promise(async () => {
      await measure(uniqueName("warmup"), job.warmup)
      return { eventsPerSecond: await measure(uniqueName("add"), job.events) } satisfies JobResult
    })
  }).pipe(Effect.scoped)

const bullmq = (job: AddJob, url: string) =>
  Effect.promise(async () => {
    const measure = async (name: string, count: number) => {
      const queue = new Queue(name, { connection: bullConnection(url) })
      try {
        await queue.waitUntilReady()
        const options = { removeOnComplete: true }
        const data = { p: textPayload }
        return await timed(count, (events) => {
          const mode: AddMode = job.mode
          switch (mode._tag) {
            case "sequential":
              return batches(events, 1, () => queue.add("bench", data, options))
            case "concurrent":
              return forEachConcurrently(events, mode.inFlight, () => queue.add("bench", data, options))
            case "batch":
              return batches(events, mode.batch, (size) =>
                queue.addBulk(Array.from({ length: size }, () => ({ name: "bench", data, opts: options })))
              )
          }
        })
      } finally {
        await queue.close()
      }
    }
    await measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: await measure(uniqueName("add"), job.events) } satisfies JobResult
  })

const persistedQueue = (job: AddJob, url: string) =>
  Effect.gen(function* () {
    const measure = Effect.fnUntraced(function* (name: string, count: number) {
      const queue = yield* PersistedQueue.make({ name, schema: Schema.String })
      const mode = job.mode
      const startedAt = now()
      if (mode._tag === "sequential") {
        for (let i = 0; i < count; i++) yield* queue.offer(textPayload)
      } else if (mode._tag === "concurrent") {
        yield* Effect.forEach(Array.from({ length: count }), () => queue.offer(textPayload), {
          concurrency: mode.inFlight,
          discard: true
        })
      }
      return rate(count, startedAt, now())
    })
    if (job.mode._tag === "batch") return { skipped: "PersistedQueue has no batch offer" } satisfies JobResult
    yield* measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: yield* measure(uniqueName("add"), job.events) } satisfies JobResult
  }).pipe(Effect.provide(persistedQueueLayer(url)))

/**
 * `redis-benchmark` sending the same `XADD` (same key shape, `MAXLEN ~`,
 * 100-byte payload) from one connection, pipelined `batch` deep: what the
 * server does when the client costs next to nothing.
 *
 * @since 0.1.0
 * @category jobs
 */
const redisBenchmark = (job: AddJob, url: string) =>
  Effect.promise(
    () =>
      new Promise<JobResult>((resolve) => {
        const { hostname, port } = new URL(url)
        const depth =
          job.mode._tag === "batch" ? job.mode.batch : job.mode._tag === "concurrent" ? job.mode.inFlight : 1
        const args = ["-h", hostname, "-p", port, "-n", String(job.events), "-c", "1", "-P", String(depth), "--csv"]
        const command = [
          "XADD",
          uniqueName("rb"),
          "MAXLEN",
          "~",
          String(benchMaxLen),
          "*",
          "n",
          "bench",
          "p",
          textPayload
        ]
        execFile("redis-benchmark", [...args, ...command], { timeout: 120_000 }, (error, stdout) => {
          if (error) {
            const missing = (error as NodeJS.ErrnoException).code === "ENOENT"
            return resolve({
              skipped: missing ? "redis-benchmark is not on PATH" : `redis-benchmark failed: ${error.message}`
            })
          }
          // --csv: a header line, then "XADD ...","<requests per second>",...
          const line = stdout.trim().split("\n").at(-1) ?? ""
          const value = Number(line.split('","')[1]?.replaceAll('"', ""))
          resolve(Number.isFinite(value) ? { eventsPerSecond: value } : { skipped: `unreadable output: ${line}` })
        })
      })
  )

/**
 * Runs an add job.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runAdd = (job: AddJob, url: string): Effect.Effect<JobResult, unknown> => {
  switch (job.impl) {
    case "pulse":
      return pulse(job, url)
    case "ioredis":
      return ioredis(job, url)
    case "bullmq":
      return bullmq(job, url)
    case "persistedQueue":
      return persistedQueue(job, url)
    case "redisBenchmark":
      return redisBenchmark(job, url)
  }
}
