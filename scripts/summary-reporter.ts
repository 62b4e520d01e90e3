import type { Reporter, TestModule } from "vitest/node"

/**
 * Ends a run with one plain line, `tests: N passed, N failed[, N skipped]`,
 * after vitest's own summary: the line CI reads to count what ran.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") counts.passed++
        else if (state === "failed") counts.failed++
        else counts.skipped++
      }
      // A file that failed to load has no tests to count, yet the run failed.
      if (module.state() === "failed" && module.children.size === 0) counts.failed++
    }
    counts.failed += unhandledErrors.length
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`)
  }
}
