/**
 * Reader fan-out: one producer adds events in batches, eight independent
 * readers each receive every one of them. Delivered events per second count
 * every delivery (eight per event), from the first add to the last delivery.
 * BullMQ and PersistedQueue are queues (each job goes to one worker), so they
 * have no counterpart here.
 *
 * @since 0.1.0
 */
import { EventStream, StartAt } from "@effect-pulse/core"
import { Deferred, Effect, Stream } from "effect"
import { bytesPayload } from "../payload.js"
import { addRawInPipelines, benchMaxLen } from "./add.js"
import { ioredisClient, now, pulseLayer, rate, signal, uniqueName } from "./common.js"
import type { FanoutJob, JobResult } from "./types.js"

const pulse = (job: FanoutJob, url: string) => {
  const measure = (name: string, count: number) =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make(name, { maxLen: benchMaxLen })
      const readers = yield* Effect.forEach(Array.from({ length: job.readers }), () =>
        stream.reader({ start: StartAt.oldest })
      )
      const expected = count * job.readers
      let delivered = 0
      const allDelivered = yield* Deferred.make<void>()
      const took = (events: number) => {
        delivered += events
        return delivered >= expected ? Deferred.succeed(allDelivered, undefined) : Effect.void
      }
      for (const reader of readers) {
        yield* Effect.forkScoped(
          job.batches === true
            ? reader.batches.pipe(Stream.runForEach((batch) => took(batch.length)))
            : reader.events.pipe(Stream.runForEach(() => took(1)))
        )
      }
      const events = Array.from({ length: job.batch }, () => ({ name: "bench", payload: bytesPayload }))
      const startedAt = now()
      for (let done = 0; done < count; done += job.batch) {
        const size = Math.min(job.batch, count - done)
        yield* stream.addAll(size === events.length ? events : events.slice(0, size))
      }
      yield* Deferred.await(allDelivered)
      return rate(expected, startedAt, now())
    }).pipe(Effect.scoped)
  return Effect.gen(function* () {
    yield* measure(uniqueName("warmup"), job.warmup)
    return { eventsPerSecond: yield* measure(uniqueName("fanout"), job.events) } satisfies JobResult
  }).pipe(Effect.provide(pulseLayer(url)))
}

/** Each reader on its own connection: `XREAD COUNT n BLOCK` from its last ID. */
const ioredis = (job: FanoutJob, url: string) =>
  Effect.gen(function* () {
    const admin = yield* ioredisClient(url)
    const clients = yield* Effect.forEach(Array.from({ length: job.readers }), () => ioredisClient(url))
    const measure = async (key: string, count: number) => {
      const expected = count * job.readers
      let delivered = 0
      const allDelivered = signal()
      const read = async (index: number) => {
        const client = clients[index]!
        let cursor = "0"
        let mine = 0
        while (mine < count) {
          const reply = (await client.xreadBuffer("COUNT", job.batch, "BLOCK", 100, "STREAMS", key, cursor)) as Array<
            [Buffer, Array<[Buffer, Array<Buffer>]>]
          > | null
          if (reply === null) continue
          const entries = reply[0]![1]
          for (const entry of entries) cursor = entry[0].toString()
          mine += entries.length
          delivered += entries.length
          if (delivered >= expected) allDelivered.done()
        }
      }
      const readers = clients.map((_, index) => read(index))
      const startedAt = now()
      await addRawInPipelines(admin, key, count, job.batch)
      await allDelivered.promise
      const result = rate(expected, startedAt, now())
      await Promise.all(readers)
      return result
    }
    return yield* Effect.promise(async () => {
      await measure(uniqueName("warmup"), job.warmup)
      return { eventsPerSecond: await measure(uniqueName("fanout"), job.events) } satisfies JobResult
    })
  }).pipe(Effect.scoped)

/**
 * Runs a fan-out job.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runFanout = (job: FanoutJob, url: string): Effect.Effect<JobResult, unknown> => {
  switch (job.impl) {
    case "pulse":
      return pulse(job, url)
    case "ioredis":
      return ioredis(job, url)
    default:
      return Effect.succeed({ skipped: "a queue delivers each job to one worker: no fan-out" })
  }
}
