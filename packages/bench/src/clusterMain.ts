/**
 * `pnpm bench:cluster [--out FILE]`: one node against a local Redis Cluster,
 * on the built code; writes the "Redis Cluster" section of BENCHMARKS.md and
 * leaves the rest of the file as it is.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"
import { clusterSettings, runClusterBenchmarks, withClusterSection } from "./cluster.js"

const { values } = parseArgs({ options: { out: { type: "string" } } })
const out = values.out ?? fileURLToPath(new URL("../../../BENCHMARKS.md", import.meta.url))

NodeRuntime.runMain(
  runClusterBenchmarks(clusterSettings("quick"), Console.error).pipe(
    Effect.andThen((section) =>
      Effect.sync(() => {
        const previous = existsSync(out) ? readFileSync(out, "utf8") : "# Benchmarks\n"
        writeFileSync(out, withClusterSection(previous, section))
      })
    ),
    Effect.andThen(() => Console.error(`cluster results written to ${out}`))
  )
)
