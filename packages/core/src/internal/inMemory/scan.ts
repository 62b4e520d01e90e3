/**
 * `SCAN`: Redis's glob patterns (`stringmatchlen`: `*`, `?`, `[...]` with
 * `^` and ranges, `\` escapes) and the walk itself. The in-memory keyspace
 * is small, so one step returns every matching key and ends the walk
 * (cursor `"0"`), which keeps Redis's guarantee that a key present for the
 * whole walk is returned.
 *
 * @internal
 */
import type { ScanOptions, ScanPage } from "../../RedisClient.js"
import type { Keyspace } from "./keyspace.js"
import { err, int64Argument } from "./replies.js"

const special = /[.*+?^${}()|[\]\\/-]/g
const literal = (char: string): string => char.replace(special, "\\$&")

/** A Redis glob pattern as a regular expression matching whole keys. */
export const globToRegExp = (pattern: string): RegExp => {
  let source = ""
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!
    if (char === "*") source += "[\\s\\S]*"
    else if (char === "?") source += "[\\s\\S]"
    else if (char === "\\" && i + 1 < pattern.length) source += literal(pattern[++i]!)
    else if (char === "[") {
      let set = ""
      let j = i + 1
      const negated = pattern[j] === "^"
      if (negated) j++
      for (; j < pattern.length && pattern[j] !== "]"; j++) {
        if (pattern[j] === "\\" && j + 1 < pattern.length) set += literal(pattern[++j]!)
        else if (pattern[j + 1] === "-" && j + 2 < pattern.length && pattern[j + 2] !== "]") {
          const [low, high] = [pattern[j]!, pattern[j + 2]!].sort()
          set += `${literal(low!)}-${literal(high!)}`
          j += 2
        } else set += literal(pattern[j]!)
      }
      // An unclosed `[` takes the rest of the pattern as its set, as Redis does.
      source += set === "" ? (negated ? "[\\s\\S]" : "(?!)") : `[${negated ? "^" : ""}${set}]`
      i = j
    } else source += literal(char)
  }
  return new RegExp(`^${source}$`, "u")
}

/** One step of `SCAN`: every live key matching the options, and the end of the walk. */
export const scan = (keyspace: Keyspace, cursor: string, options: ScanOptions | undefined, now: number): ScanPage => {
  if (!/^\d+$/.test(cursor) || BigInt(cursor) >= 2n ** 64n) throw err("invalid cursor")
  if (options?.count !== undefined && int64Argument(options.count) < 1n) throw err("syntax error")
  const matcher = options?.match === undefined ? undefined : globToRegExp(options.match)
  const keys = keyspace
    .entries(now)
    .filter(
      ([key, type]) =>
        (options?.type === undefined || type === options.type.toLowerCase()) && (matcher?.test(key) ?? true)
    )
    .map(([key]) => key)
  return { cursor: "0", keys }
}
