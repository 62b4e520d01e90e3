/**
 * The README's code excerpts, copied from the example files so that they
 * never drift from code that compiles, runs and is tested.
 *
 * An example or test file marks an excerpt with `// #region <name>` and
 * `// #endregion`. The README holds it between
 * `<!-- example <name> -->` and `<!-- end example -->`; everything between
 * the two markers is generated.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** Where the excerpts come from, relative to the workspace root: the examples and their tests. */
export const sourceDirs = ["packages/examples/src", "packages/examples/test"]

interface Region {
  readonly name: string
  readonly file: string
  readonly code: string
}

/** Removes the indentation every non-blank line shares. */
const dedent = (lines: ReadonlyArray<string>): string => {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)![0].length)
  const common = Math.min(...indents)
  return lines.map((line) => line.slice(common)).join("\n")
}

/** The regions of every example file, by name; fails on a region opened twice or never closed. */
export const readRegions = (root: string): Map<string, Region> => {
  const regions = new Map<string, Region>()
  const files = sourceDirs.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((fileName) => fileName.endsWith(".ts"))
      .sort()
      .map((fileName) => `${dir}/${fileName}`)
  )
  for (const file of files) {
    const lines = fs.readFileSync(path.join(root, file), "utf8").split("\n")
    let open: { name: string; start: number } | undefined
    lines.forEach((line, index) => {
      const start = /^\s*\/\/ #region (\S+)\s*$/.exec(line)
      if (start) {
        if (open) throw new Error(`${file}:${index + 1}: region ${start[1]} opens inside region ${open.name}`)
        open = { name: start[1]!, start: index + 1 }
      } else if (/^\s*\/\/ #endregion\b/.test(line)) {
        if (!open) throw new Error(`${file}:${index + 1}: #endregion without #region`)
        if (regions.has(open.name)) throw new Error(`${file}: region ${open.name} is defined twice`)
        regions.set(open.name, { name: open.name, file, code: dedent(lines.slice(open.start, index)) })
        open = undefined
      }
    })
    if (open) throw new Error(`${file}: region ${open.name} is never closed`)
  }
  return regions
}

const startMarker = /<!-- example (\S+) -->\n/g
const endMarker = "<!-- end example -->"

/** The README with every excerpt brought up to date, and the problems found (unknown or unused regions). */
export const syncReadme = (
  readme: string,
  regions: ReadonlyMap<string, Region>
): { readonly text: string; readonly problems: ReadonlyArray<string> } => {
  const problems: Array<string> = []
  const used = new Set<string>()
  let text = ""
  let position = 0
  for (const match of readme.matchAll(startMarker)) {
    if (match.index < position) continue
    const name = match[1]!
    const bodyStart = match.index + match[0].length
    const end = readme.indexOf(endMarker, bodyStart)
    if (end === -1) {
      problems.push(`README.md: <!-- example ${name} --> has no ${endMarker}`)
      break
    }
    const region = regions.get(name)
    let body = readme.slice(bodyStart, end)
    if (region === undefined) problems.push(`README.md: no example file has a region named ${name}`)
    else {
      used.add(name)
      body = `\`\`\`ts\n${region.code}\n\`\`\`\n\n<sub>From [${region.file}](${region.file}).</sub>\n`
    }
    text += readme.slice(position, bodyStart) + body
    position = end
  }
  text += readme.slice(position)
  for (const name of regions.keys()) {
    if (!used.has(name)) problems.push(`README.md: the region ${name} of ${regions.get(name)!.file} is not shown`)
  }
  return { text, problems }
}
