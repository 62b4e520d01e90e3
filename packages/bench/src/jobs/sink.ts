/**
 * Sink end to end: one producer adds events in batches while four consumers
 * of one group (sink, consumer group, queue) ack them; timed from the first
 * add to the last ack. Each library uses its own batch add (effect-pulse
 * `addAll`, a pipeline of `XADD`, BullMQ `addBulk`); `PersistedQueue` has no
 * batch offer, so it offers with 64 in flight. The backlog variant
 * (`prefilled`) adds everything first, the same way for effect-pulse and the
 * raw loop (pipelines of `XADD`), and times the consumers alone.
 *
 * @since 0.1.0
 */
import { type Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { Queue, Worker } from "bullmq"
import { Deferred, Effect, Schema, Stream } from "effect"
import { PersistedQueue } from "effect/persistence"
import { bytesPayload, textPayload } from "../payload.js"
import { addRawInPipelines, benchMaxLen } from "./add.js"
import {
  bullConnection,
  ioredisClient,
  now,
  persistedQueueLayer,
  pulseLayer,
  rate,
  signal,
  uniqueName
} from "./common.js"
import type { JobResult, SinkJob } from "./types.js"

const group = "bench"

const pulse = (job: SinkJob, url: string) => {
  const measure = (name: string, count: number) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const stream = yield* EventStream.make(name, { maxLen: benchMaxLen })
      const events = Array.from({ length: job.batch }, () => ({ name: "bench", payload: bytesPayload }))
      const produce = Effect.gen(function* () {
        for (let done = 0; done < count; done += job.batch) {
          const size = Math.min(job.batch, count - done)
          yield* stream.addAll(size === events.length ? events : events.slice(0, size))
        }
      })
      // A backlog is added the way the raw loop's is (same entries, same work in this process), so that
      // the consumers alone differ: `addAll`'s own garbage would otherwise be collected on their clock.
      if (job.prefilled) {
        const admin = yield* ioredisClient(url)
        yield* Effect.promise(() => addRawInPipelines(admin, stream.key, count, job.batch))
      }
      // Joining the group is set-up, as the raw loop's connections and `XGROUP CREATE` are: before the clock.
      // A sink starts reading when its stream is first run, below.
      const sinks = yield* Effect.forEach(Array.from({ length: job.consumers }), () =>
        stream.sink(group, { start: StartAt.oldest })
      )
      const startedAt = now()
      let handled = 0
      const allHandled = yield* Deferred.make<void>()
      const onHandled = (events: number) =>
        Effect.suspend(() => {
          handled += events
          return handled >= count ? Deferred.succeed(allHandled, undefined) : Effect.void
        })
      for (const sink of sinks) {
        const ackGroups = <E>(groups: Stream.Stream<ReadonlyArray<Event.SinkEvent>, E>) =>
          groups.pipe(
            Stream.mapEffect((events) => Effect.andThen(sink.ackAll(events), onHandled(events.length)), {
              concurrency: job.concurrency
            }),
            Stream.runDrain
          )
        const consume =
          job.ackStyle === "process"
            ? sink.process(() => onHandled(1), { concurrency: job.concurrency })
            : job.ackStyle === "batches"
              ? ackGroups(sink.batches)
              : job.ackStyle === "chunked"
                ? ackGroups(sink.batches.pipe(Stream.flattenArray, Stream.groupedWithin(job.batch, "1 millis")))
                : ackGroups(sink.events.pipe(Stream.groupedWithin(job.batch, "1 millis")))
        yield* Effect.forkScoped(consume)
      }
      if (!job.prefilled) yield* produce
      yield* Deferred.await(allHandled)
      // `process` acks after its handler: the run ends when Redis has every ack.
      if (job.ackStyle === "process") {
        while ((yield* redis.xpending(stream.key, group)).count > 0) yield* Effect.sleep(1)
      }
      return rate(count, startedAt, now())
    }).pipe(Effect.scoped)
  return Effect.gen(function* () {
    yield* measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: yield* measure(uniqueName("sink"), job.events) } satisfies JobResult
  }).pipe(Effect.provide(pulseLayer(url)))
}

/**
 * The hand-written baseline: each consumer on its own connection reads with
 * `XREADGROUP COUNT n BLOCK`, acks the whole batch with one `XACK` sent
 * ahead of its next read (so acks and reads share round trips).
 */
const ioredis = (job: SinkJob, url: string) =>
  Effect.gen(function* () {
    const admin = yield* ioredisClient(url)
    const clients = yield* Effect.forEach(Array.from({ length: job.consumers }), () => ioredisClient(url))
    const measure = async (key: string, count: number) => {
      await admin.xgroup("CREATE", key, group, "0", "MKSTREAM")
      let acked = 0
      const allAcked = signal()
      const consume = async (index: number) => {
        const client = clients[index]!
        while (acked < count) {
          const reply = (await client.xreadgroupBuffer(
            "GROUP",
            group,
            `consumer-${index}`,
            "COUNT",
            job.batch,
            "BLOCK",
            100,
            "STREAMS",
            key,
            ">"
          )) as Array<[Buffer, Array<[Buffer, Array<Buffer>]>]> | null
          if (reply === null) continue
          const entries = reply[0]![1]
          const ids = entries.map((entry) => entry[0].toString())
          void client.xack(key, group, ...ids).then(() => {
            acked += ids.length
            if (acked >= count) allAcked.done()
          })
        }
      }
      if (job.prefilled) await addRawInPipelines(admin, key, count, job.batch)
      const startedAt = now()
      const consumers = clients.map((_, index) => consume(index))
      if (!job.prefilled) await addRawInPipelines(admin, key, count, job.batch)
      await allAcked.promise
      const result = rate(count, startedAt, now())
      await Promise.all(consumers)
      return result
    }
    return yield* Effect.promise(async () => {
      await measure(uniqueName("warmup"), job.warmup)
      return { eventsPerSecond: await measure(uniqueName("sink"), job.events) } satisfies JobResult
    })
  }).pipe(Effect.scoped)

/** BullMQ: `addBulk` batches, one `Worker` per consumer with the same concurrency, completed jobs removed. */
const bullmq = (job: SinkJob, url: string) =>
  Effect.promise(async () => {
    const measure = async (name: string, count: number) => {
      const connection = bullConnection(url)
      const queue = new Queue(name, { connection })
      let completed = 0
      const allCompleted = signal()
      const workers = Array.from(
        { length: job.consumers },
        () => new Worker(name, async () => {}, { connection, concurrency: job.concurrency, autorun: false })
      )
      for (const worker of workers) {
        worker.on("completed", () => {
          if (++completed === count) allCompleted.done()
        })
      }
      try {
        await Promise.all([queue.waitUntilReady(), ...workers.map((worker) => worker.waitUntilReady())])
        for (const worker of workers) void worker.run()
        const data = { p: textPayload }
        const opts = { removeOnComplete: true }
        const startedAt = now()
        for (let done = 0; done < count; done += job.batch) {
          const size = Math.min(job.batch, count - done)
          await queue.addBulk(Array.from({ length: size }, () => ({ name: "bench", data, opts })))
        }
        await allCompleted.promise
        return rate(count, startedAt, now())
      } finally {
        await Promise.all(workers.map((worker) => worker.close()))
        await queue.close()
      }
    }
    await measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: await measure(uniqueName("sink"), job.events) } satisfies JobResult
  })

/** PersistedQueue: `consumers × concurrency` fibers taking one element at a time; offers 64 in flight. */
const persistedQueue = (job: SinkJob, url: string) => {
  const measure = (name: string, count: number) =>
    Effect.gen(function* () {
      const queue = yield* PersistedQueue.make({ name, schema: Schema.String })
      let taken = 0
      const allTaken = yield* Deferred.make<void>()
      const taker = queue
        .take(() => Effect.void)
        .pipe(
          Effect.andThen(
            Effect.suspend(() => (++taken >= count ? Deferred.succeed(allTaken, undefined) : Effect.void))
          ),
          Effect.forever
        )
      for (let i = 0; i < job.consumers * job.concurrency; i++) yield* Effect.forkScoped(taker)
      const startedAt = now()
      yield* Effect.forEach(Array.from({ length: count }), () => queue.offer(textPayload), {
        concurrency: 64,
        discard: true
      })
      yield* Deferred.await(allTaken)
      return rate(count, startedAt, now())
    }).pipe(Effect.scoped)
  return Effect.gen(function* () {
    yield* measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: yield* measure(uniqueName("sink"), job.events) } satisfies JobResult
  }).pipe(Effect.provide(persistedQueueLayer(url)))
}

/**
 * Runs a sink job.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runSink = (job: SinkJob, url: string): Effect.Effect<JobResult, unknown> => {
  switch (job.impl) {
    case "pulse":
      return pulse(job, url)
    case "ioredis":
      return ioredis(job, url)
    case "bullmq":
      return job.prefilled ? Effect.succeed({ skipped: "no backlog cell" }) : bullmq(job, url)
    case "persistedQueue":
      return job.prefilled ? Effect.succeed({ skipped: "no backlog cell" }) : persistedQueue(job, url)
    case "redisBenchmark":
      return Effect.succeed({ skipped: "not a consumer" })
  }
}
