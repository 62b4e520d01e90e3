import { fileURLToPath } from "node:url"
import type { TestProjectConfiguration } from "vitest/config"

const source = (pkg: string, entry: string) => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url))

// Tests import the packages by name; point those names (each entry point,
// matched whole) at the sources so that no build is needed before a test run.
const alias = [
  { find: /^@effect-pulse\/core$/, replacement: source("core", "index.ts") },
  { find: /^@effect-pulse\/core\/testing$/, replacement: source("core", "testing.ts") },
  { find: /^@effect-pulse\/redis-layer$/, replacement: source("redis-layer", "index.ts") },
  { find: /^@effect-pulse\/redis-layer\/testing$/, replacement: source("redis-layer", "testing.ts") }
]

const project = (name: string, globalSetup?: string): TestProjectConfiguration => ({
  resolve: { alias },
  test: {
    name,
    root: `./packages/${name}`,
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    ...(globalSetup === undefined ? {} : { globalSetup })
  }
})

/** The projects of the workspace: vitest 5 reads them through `test.projects` in vitest.config.ts. */
export const projects: Array<TestProjectConfiguration> = [
  project("core"),
  project("redis-layer"),
  project("examples"),
  // Its tests spawn the built binary: built once, before them.
  project("cli", "./test/buildOnce.ts"),
  // The benchmark tool's smoke test: one tiny iteration of every scenario.
  project("bench")
]
