/**
 * `pnpm docs:write` writes the API reference (`docs/api/<package>.md`) and the
 * README's code excerpts. `pnpm docs:check` (`--check`) writes
 * nothing and fails when either is out of date, when an exported name lacks
 * JSDoc or an `@example`, or when the README shows a region no example has
 * (or leaves one out); it prints each problem.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { generate, type PackageSpec } from "./api.ts"
import { readRegions, syncReadme } from "./readme.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

// Every entry point of the published packages: each `exports` path of their package.json.
const packages: ReadonlyArray<PackageSpec> = [
  { name: "@effect-pulse/core", dir: "packages/core", entry: "src/index.ts", output: "docs/api/core.md" },
  {
    name: "@effect-pulse/core/testing",
    dir: "packages/core",
    entry: "src/testing.ts",
    output: "docs/api/core-testing.md"
  },
  {
    name: "@effect-pulse/redis-layer",
    dir: "packages/redis-layer",
    entry: "src/index.ts",
    output: "docs/api/redis-layer.md"
  },
  {
    name: "@effect-pulse/redis-layer/testing",
    dir: "packages/redis-layer",
    entry: "src/testing.ts",
    output: "docs/api/redis-layer-testing.md"
  }
]

const check = process.argv.includes("--check")
const outdated: Array<string> = []
const problems: Array<string> = []

/** Writes `text` to `file`, or (checking) records that the file differs. */
const update = (file: string, text: string) => {
  const target = path.join(root, file)
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined
  if (current === text) return
  if (check) outdated.push(file)
  else {
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, text)
    console.log(`wrote ${file}`)
  }
}

const references = generate(root, packages)
references.forEach((reference, i) => {
  update(packages[i]!.output, reference.markdown)
  problems.push(...reference.missing)
})

const readme = syncReadme(fs.readFileSync(path.join(root, "README.md"), "utf8"), readRegions(root))
update("README.md", readme.text)
problems.push(...readme.problems)

for (const file of outdated) console.error(`${file} is out of date: run pnpm docs:write`)
for (const problem of problems) console.error(problem)
if (outdated.length + problems.length > 0) {
  console.error(`docs: ${outdated.length} file(s) out of date, ${problems.length} problem(s)`)
  process.exitCode = 1
} else if (check) {
  console.log("docs: the API reference and the README excerpts are up to date")
}
