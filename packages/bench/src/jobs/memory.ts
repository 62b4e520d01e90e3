/**
 * Memory under backlog: a producer adds batches as fast as it can while one
 * consumer (a reader, or a sink consumer) takes 10 ms per event, so the
 * backlog in Redis grows by tens of thousands of events a second. The
 * consumer process's RSS and heap are sampled throughout: they should stay
 * flat (bounded by the reader's buffer), not grow with the backlog.
 *
 * The producer runs in its own Node process when the job runs from built
 * code (so that only the consumer is measured), or as a fiber beside the
 * consumer when it runs from sources (the smoke test).
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { EventStream, StartAt } from "@effect-pulse/core"
import { Effect, Stream } from "effect"
import { bytesPayload } from "../payload.js"
import { ioredisClient, now, pulseLayer, uniqueName } from "./common.js"
import type { JobResult, MemoryJob, MemorySample, ProduceJob } from "./types.js"

/** Trimming keeps the stream (and so Redis's memory) bounded; readers and sinks skip what was trimmed. */
const memoryMaxLen = 200_000
const producerBatch = 1000

/**
 * The producer loop: `addAll` batches until `durationMillis` passed.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runProduce = (job: ProduceJob, url: string): Effect.Effect<JobResult, unknown> =>
  Effect.gen(function* () {
    const stream = yield* EventStream.make(job.stream, { maxLen: job.maxLen })
    const events = Array.from({ length: job.batch }, () => ({ name: "bench", payload: bytesPayload }))
    const until = now() + job.durationMillis
    let produced = 0
    while (now() < until) {
      yield* stream.addAll(events)
      produced += events.length
    }
    return { eventsPerSecond: produced / (job.durationMillis / 1000) } satisfies JobResult
  }).pipe(Effect.provide(pulseLayer(url)))

const workerPath = () => fileURLToPath(new URL("../worker.js", import.meta.url))

const spawnProducer = (job: ProduceJob, url: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, [workerPath(), JSON.stringify({ job, url })], { stdio: ["ignore", "ignore", "inherit"] })
    ),
    (child: ChildProcess) => Effect.sync(() => child.kill("SIGKILL"))
  )

const sampleNow = (startedAt: number): MemorySample => {
  const usage = process.memoryUsage()
  return { atMillis: Math.round(now() - startedAt), rss: usage.rss, heapUsed: usage.heapUsed }
}

/**
 * Runs a memory job.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runMemory = (job: MemoryJob, url: string): Effect.Effect<JobResult, unknown> =>
  Effect.gen(function* () {
    if (job.impl !== "pulse") return { skipped: "measured for effect-pulse only" } satisfies JobResult
    const name = uniqueName("memory")
    const stream = yield* EventStream.make(name, { maxLen: memoryMaxLen })
    let consumed = 0
    const handle = () =>
      Effect.sleep(job.handlerMillis).pipe(
        Effect.andThen(
          Effect.sync(() => {
            consumed++
          })
        )
      )
    const options = { start: StartAt.oldest, bufferSize: job.bufferSize }
    if (job.role === "reader") {
      const reader = yield* stream.reader(options)
      yield* Effect.forkScoped(reader.events.pipe(Stream.runForEach(handle)))
    } else {
      const sink = yield* stream.sink("bench", options)
      yield* Effect.forkScoped(sink.process(handle))
    }
    const produce: ProduceJob = {
      kind: "produce",
      impl: "pulse",
      stream: name,
      batch: producerBatch,
      maxLen: memoryMaxLen,
      durationMillis: job.durationMillis
    }
    const startedAt = now()
    const samples: Array<MemorySample> = [sampleNow(startedAt)]
    if (job.producer === "process") yield* spawnProducer(produce, url)
    else yield* Effect.forkScoped(runProduce(produce, url))
    while (now() - startedAt < job.durationMillis) {
      yield* Effect.sleep(job.sampleMillis)
      samples.push(sampleNow(startedAt))
    }
    const admin = yield* ioredisClient(url)
    const info = (yield* Effect.promise(() => admin.xinfo("STREAM", stream.key))) as Array<unknown>
    const produced = Number(info[info.indexOf("entries-added") + 1])
    return {
      memory: { samples, produced, consumed, backlog: produced - consumed }
    } satisfies JobResult
  }).pipe(Effect.scoped, Effect.provide(pulseLayer(url)))
