/**
 * The entry point of one measurement in a fresh Node process:
 * `node dist/worker.js '{"job": ..., "url": "redis://..."}'`. It prints the
 * result as one JSON line prefixed with {@link resultPrefix} and exits.
 *
 * A fresh process per measurement keeps one library's JIT state, heap and
 * open connections from weighing on the next one's numbers.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { runJob } from "./jobs/index.js"
import type { Job } from "./jobs/types.js"
import { resultPrefix } from "./protocol.js"

const { job, url } = JSON.parse(process.argv[2] ?? "{}") as { job: Job; url: string }

NodeRuntime.runMain(
  runJob(job, url).pipe(
    Effect.flatMap((result) => Effect.sync(() => process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`)))
  )
)
