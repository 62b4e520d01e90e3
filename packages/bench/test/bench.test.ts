/**
 * One tiny iteration of every scenario (a few hundred events each) against a
 * redis-server the run starts itself, in this process, on the sources: the
 * benchmark tool keeps working as the library changes. No timing is
 * asserted: only that every cell produced a result and the tables were
 * written.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runBenchmarks } from "../src/run.js"

describe("pnpm bench", () => {
  it.live(
    "runs every scenario once and writes the results tables",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "pulse-bench-test-"))
        const out = join(dir, "BENCHMARKS.md")
        const markdown = yield* runBenchmarks({
          mode: "smoke",
          executor: "inProcess",
          out,
          command: "bench smoke test"
        })
        const written = readFileSync(out, "utf8")
        rmSync(dir, { recursive: true, force: true })

        expect(written).toBe(markdown)
        for (const title of [
          "## Setup",
          "## Targets",
          "## Add throughput",
          "## Sink end to end",
          "## Consuming a backlog",
          "## Reader fan-out",
          "## Add-to-delivery latency",
          "## Memory under backlog",
          "## Notes"
        ]) {
          expect(markdown).toContain(title)
        }
        // Every cell has a number: nothing failed, nothing was left out.
        expect(markdown).not.toMatch(/failed \[\d+\]/)
        expect(markdown).not.toContain("not measured")
        const addRow = markdown.split("\n").find((line) => line.startsWith("| batches of"))
        expect(addRow).toMatch(/^\| batches of [^|]+\| [\d,]+ \| [\d,]+ \| [\d,]+ \|/)
      }),
    60_000
  )
})
