/**
 * worker-pool: three consumers of one sink share a queue of jobs. One takes a
 * job and dies without acknowledging it; after the ack grace period the job
 * is delivered again, to one of the two others.
 */
import { Event, EventStream, type Sink, StartAt } from "@effect-pulse/core"
import { Console, Deferred, Effect, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

const jobCount = 9

/** "job 2, job 5, ..." in numeric order. */
const listJobs = (jobs: ReadonlyArray<string>) =>
  [...jobs].sort((a, b) => a.localeCompare(b, "en", { numeric: true })).join(", ")

/** The worker-pool example. */
export const workerPool: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("jobs")
  const poolName = yield* Scratch.sinkName("pool")
  // #region worker-pool
  const jobs = yield* EventStream.make(name)
  // A short grace period so that the dead worker's job comes back quickly, and one job
  // per read so that each worker holds one job at a time.
  const options: Sink.Options = { start: StartAt.oldest, ackGracePeriod: "300 millis", maxPolled: 1, bufferSize: 1 }

  // worker-1 joins first, takes the first job and dies before acknowledging it.
  yield* Effect.scoped(
    Effect.gen(function* () {
      const worker1 = yield* jobs.sink(poolName, options)
      yield* jobs.addAll(Array.from({ length: jobCount }, (_, i) => ({ name: "job", payload: `job ${i + 1}` })))
      yield* worker1.events.pipe(
        Stream.take(1),
        Stream.runForEach((job) => Console.log(`worker-1 took ${Event.text(job)} and died without acknowledging it`))
      )
    })
  )

  // The two others process jobs and acknowledge each one, until every job is done.
  const processed = new Map<string, Array<string>>([
    ["worker-2", []],
    ["worker-3", []]
  ])
  const allDone = yield* Deferred.make<void>()
  const worker = (workerName: string) =>
    Effect.gen(function* () {
      const sink = yield* jobs.sink(poolName, options)
      yield* sink.events.pipe(
        Stream.runForEach((job) =>
          Effect.gen(function* () {
            processed.get(workerName)!.push(Event.text(job))
            yield* sink.ack(job)
            const distinct = new Set([...processed.values()].flat())
            if (distinct.size === jobCount) yield* Deferred.succeed(allDone, undefined)
          })
        )
      )
    }).pipe(Effect.scoped)
  // The workers run until every job is done (or one fails, which fails the example).
  yield* Effect.raceFirst(
    Effect.all(Array.from(processed.keys(), worker), { concurrency: "unbounded", discard: true }),
    Deferred.await(allDone)
  )

  for (const [workerName, done] of processed) {
    yield* Console.log(`${workerName} processed: ${listJobs(done) || "nothing"}`)
  }
  yield* Console.log(`all ${jobCount} jobs processed, job 1 included after the grace period`)
  // #endregion
}).pipe(Effect.scoped)
