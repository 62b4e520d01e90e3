import { defineConfig } from "vitest/config"
import { projects } from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    // Real-Redis tests start their own redis-server; two cores do not gain from more workers.
    maxWorkers: 2,
    reporters: ["default", "./scripts/summary-reporter.ts"]
  }
})
