/**
 * Add-to-delivery latency at a fixed rate: events are added one at a time on
 * a 1 ms pacing loop (each add fired without waiting for the previous one,
 * so a slow reply does not slow the producer down), and each delivery
 * records now minus the send time carried in its payload. Producer and
 * consumer share the process, so both read the same `performance.now()`.
 *
 * @since 0.1.0
 */
import { EventStream, StartAt } from "@effect-pulse/core"
import { Queue, Worker } from "bullmq"
import { Effect, Schema, Stream } from "effect"
import { PersistedQueue } from "effect/persistence"
import { sentAtOfBytes, sentAtOfText, timedBytes, timedText } from "../payload.js"
import { benchMaxLen } from "./add.js"
import {
  bullConnection,
  ioredisClient,
  now,
  persistedQueueLayer,
  pulseLayer,
  sleep,
  summarize,
  uniqueName
} from "./common.js"
import type { JobResult, LatencyJob } from "./types.js"

/** Collects samples once warm-up is over. */
const recorder = (job: LatencyJob) => {
  const total = Math.round((job.rate * (job.warmupMillis + job.durationMillis)) / 1000)
  const warm = Math.round((job.rate * job.warmupMillis) / 1000)
  const samples: Array<number> = []
  let delivered = 0
  return {
    total,
    record: (sentAt: number) => {
      const latency = now() - sentAt
      if (++delivered > warm) samples.push(latency)
    },
    get delivered() {
      return delivered
    },
    result: (): JobResult => ({ latency: summarize(samples) })
  }
}

/** Calls `send` `total` times at `rate` per second, catching up every millisecond. */
const paced = async (rate: number, total: number, send: () => void) => {
  const startedAt = now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - startedAt) * rate) / 1000) + 1)
    while (sent < due) {
      send()
      sent++
    }
    await sleep(1)
  }
}

const waitForAll = async (recording: ReturnType<typeof recorder>) => {
  const deadline = now() + 10_000
  while (recording.delivered < recording.total && now() < deadline) await sleep(2)
}

const pulse = (job: LatencyJob, url: string) =>
  Effect.gen(function* () {
    const recording = recorder(job)
    const stream = yield* EventStream.make(uniqueName("latency"), { maxLen: benchMaxLen })
    const onEvent = (event: { readonly payload: Uint8Array }) =>
      Effect.sync(() => recording.record(sentAtOfBytes(event.payload)))
    if (job.role === "reader") {
      const reader = yield* stream.reader({ start: StartAt.oldest })
      yield* Effect.forkScoped(reader.events.pipe(Stream.runForEach(onEvent)))
    } else {
      const sink = yield* stream.sink("bench", { start: StartAt.oldest })
      yield* Effect.forkScoped(sink.process(onEvent, { concurrency: 16 }))
    }
    const run = Effect.runForkWith(yield* Effect.context<never>())
    yield* Effect.promise(() => paced(job.rate, recording.total, () => run(stream.add("bench", timedBytes(now())))))
    yield* Effect.promise(() => waitForAll(recording))
    return recording.result()
  }).pipe(Effect.scoped, Effect.provide(pulseLayer(url)))

const ioredis = (job: LatencyJob, url: string) =>
  Effect.gen(function* () {
    const recording = recorder(job)
    const producer = yield* ioredisClient(url, { autoPipelining: true })
    const consumer = yield* ioredisClient(url)
    const key = uniqueName("latency")
    if (job.role === "sink") yield* Effect.promise(() => producer.xgroup("CREATE", key, "bench", "0", "MKSTREAM"))
    let running = true
    const consume = async () => {
      let cursor = "0"
      while (running) {
        const reply = (
          job.role === "reader"
            ? await consumer.xreadBuffer("COUNT", 1000, "BLOCK", 100, "STREAMS", key, cursor)
            : await consumer.xreadgroupBuffer("GROUP", "bench", "c", "COUNT", 1000, "BLOCK", 100, "STREAMS", key, ">")
        ) as Array<[Buffer, Array<[Buffer, Array<Buffer>]>]> | null
        if (reply === null) continue
        const entries = reply[0]![1]
        const ids: Array<string> = []
        for (const [id, fields] of entries) {
          recording.record(sentAtOfBytes(fields[3]!))
          ids.push(id.toString())
        }
        cursor = ids.at(-1)!
        if (job.role === "sink") void producer.xack(key, "bench", ...ids)
      }
    }
    return yield* Effect.promise(async () => {
      const consuming = consume()
      await paced(job.rate, recording.total, () => {
        void producer.xadd(key, "MAXLEN", "~", benchMaxLen, "*", "n", "bench", "p", timedBytes(now()))
      })
      await waitForAll(recording)
      running = false
      await consuming
      return recording.result()
    })
  }).pipe(Effect.scoped)

const bullmq = (job: LatencyJob, url: string) =>
  Effect.promise(async () => {
    if (job.role === "reader") return { skipped: "a queue has no independent readers" } satisfies JobResult
    const recording = recorder(job)
    const name = uniqueName("latency")
    const connection = bullConnection(url)
    const queue = new Queue(name, { connection })
    const worker = new Worker<{ p: string }>(name, async (bullJob) => recording.record(sentAtOfText(bullJob.data.p)), {
      connection,
      concurrency: 16
    })
    try {
      await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()])
      await paced(job.rate, recording.total, () => {
        void queue.add("bench", { p: timedText(now()) }, { removeOnComplete: true })
      })
      await waitForAll(recording)
      return recording.result()
    } finally {
      await worker.close()
      await queue.close()
    }
  })

const persistedQueue = (job: LatencyJob, url: string) =>
  Effect.gen(function* () {
    if (job.role === "reader") return { skipped: "a queue has no independent readers" } satisfies JobResult
    const recording = recorder(job)
    const queue = yield* PersistedQueue.make({ name: uniqueName("latency"), schema: Schema.String })
    const taker = Effect.forever(queue.take((payload) => Effect.sync(() => recording.record(sentAtOfText(payload)))))
    for (let i = 0; i < 16; i++) yield* Effect.forkScoped(taker)
    const run = Effect.runForkWith(yield* Effect.context<never>())
    yield* Effect.promise(() => paced(job.rate, recording.total, () => run(queue.offer(timedText(now())))))
    yield* Effect.promise(() => waitForAll(recording))
    return recording.result()
  }).pipe(Effect.scoped, Effect.provide(persistedQueueLayer(url)))

/**
 * Runs a latency job.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runLatency = (job: LatencyJob, url: string): Effect.Effect<JobResult, unknown> => {
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
      return Effect.succeed({ skipped: "not a consumer" })
  }
}
