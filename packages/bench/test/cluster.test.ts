/**
 * The cluster benchmark in miniature (a few hundred events per cell, on a
 * cluster it starts itself): every cell gets a number. No timing is asserted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  clusterEnd,
  clusterSettings,
  clusterStart,
  keepClusterSection,
  runClusterBenchmarks,
  withClusterSection
} from "../src/cluster.js"

describe("pnpm bench:cluster", () => {
  it.live(
    "measures every workload on one node, the cluster and the cluster with WAIT",
    () =>
      Effect.gen(function* () {
        const section = yield* runClusterBenchmarks(clusterSettings("smoke"))
        const rows = section.split("\n").filter((line) => /^\| (stream|sink)/.test(line))
        expect(rows).toHaveLength(3)
        for (const row of rows) expect(row).toMatch(/^\| [^|]+\| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+× \| [\d.]+× \|$/)
        expect(section.startsWith(clusterStart) && section.endsWith(clusterEnd)).toBe(true)
      }),
    120_000
  )

  it("rewrites only its own section of the results file", () => {
    const section = (text: string) => `${clusterStart}\n${text}\n${clusterEnd}`
    const report = "# Benchmarks\n\nsingle-node tables\n"
    const withOld = withClusterSection(report, section("old"))
    expect(withOld).toBe(`# Benchmarks\n\nsingle-node tables\n\n${section("old")}\n`)
    expect(withClusterSection(withOld, section("new"))).toBe(
      `# Benchmarks\n\nsingle-node tables\n\n${section("new")}\n`
    )
    // `pnpm bench` rewrites the rest and keeps the section it finds.
    expect(keepClusterSection("# Benchmarks\n\nnew tables\n", withOld)).toBe(
      `# Benchmarks\n\nnew tables\n\n${section("old")}\n`
    )
    expect(keepClusterSection(report, "no section here")).toBe(report)
  })
})
