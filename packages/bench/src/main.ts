/**
 * `pnpm bench [--full] [--only add,sink,...] [--runs N] [--out FILE] [--cpu-prof DIR]`:
 * runs the benchmarks on the built code and writes BENCHMARKS.md at the
 * repository root.
 *
 * @since 0.1.0
 */
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"
import type { ScenarioId } from "./plan.js"
import { runBenchmarks } from "./run.js"

const scenarioIds: ReadonlyArray<ScenarioId> = ["add", "sink", "backlog", "fanout", "latency", "memory"]

const { values } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    only: { type: "string" },
    runs: { type: "string" },
    out: { type: "string" },
    "cpu-prof": { type: "string" }
  }
})

const only = values.only?.split(",").map((id) => id.trim()) as Array<ScenarioId> | undefined
const unknown = only?.filter((id) => !scenarioIds.includes(id))
if (unknown !== undefined && unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(", ")}; choose from ${scenarioIds.join(", ")}`)
  process.exit(2)
}
const profileDir = values["cpu-prof"]
const out = values.out ?? fileURLToPath(new URL("../../../BENCHMARKS.md", import.meta.url))

NodeRuntime.runMain(
  runBenchmarks({
    mode: values.full ? "full" : "quick",
    executor: "process",
    out,
    command: values.full ? "pnpm bench --full" : "pnpm bench",
    only,
    runs: values.runs === undefined ? undefined : Number(values.runs),
    nodeOptions: profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
    verbose: true
  }).pipe(Effect.andThen(() => Console.error(`results written to ${out}`)))
)
