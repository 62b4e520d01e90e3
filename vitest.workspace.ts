import { fileURLToPath } from "node:url"
import type { TestProjectConfiguration } from "vitest/config"

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests import the packages by name; point those names at the sources so that
// no build is needed before a test run.
const alias = {
  "@effect-pulse/core": source("core"),
  "@effect-pulse/redis-layer": source("redis-layer")
}

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
