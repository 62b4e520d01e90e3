/**
 * Runs any job against the benchmark server at `url`.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import { runAdd } from "./add.js"
import { runFanout } from "./fanout.js"
import { runLatency } from "./latency.js"
import { runMemory, runProduce } from "./memory.js"
import { runSink } from "./sink.js"
import type { Job, JobResult } from "./types.js"

/**
 * The effect that performs `job` and reports its result.
 *
 * @since 0.1.0
 * @category jobs
 */
export const runJob = (job: Job, url: string): Effect.Effect<JobResult, unknown> => {
  switch (job.kind) {
    case "add":
      return runAdd(job, url)
    case "sink":
      return runSink(job, url)
    case "fanout":
      return runFanout(job, url)
    case "latency":
      return runLatency(job, url)
    case "memory":
      return runMemory(job, url)
    case "produce":
      return runProduce(job, url)
  }
}
