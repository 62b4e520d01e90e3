/**
 * What Go Pulse's map scripts do with a list value, as Redis's Lua runs it:
 * `cjson.decode` with a fallback to a comma-separated list, and
 * `cjson.encode` (which escapes `/`, writes control characters as `\uXXXX`
 * and numbers as `%.14g`). Lists hold what Go Pulse writes: strings, and
 * whatever else a JSON array holds but objects, whose key order Lua leaves
 * unspecified (the in-memory Redis refuses them rather than guess).
 *
 * @internal
 */

/** An item of a list value: a JSON scalar or a list. */
export type ListItem = string | number | boolean | null | ReadonlyArray<ListItem>

const refuseObject = (): never => {
  throw new Error("InMemoryRedis: Go Pulse map values holding JSON objects are not supported")
}

/** A decoded JSON value as a list item; an empty object is an empty table to Lua, as `[]` is. */
const checked = (item: unknown): ListItem => {
  if (Array.isArray(item)) return item.map(checked)
  if (item !== null && typeof item === "object") return Object.keys(item).length === 0 ? [] : refuseObject()
  return item as ListItem
}

/**
 * The items of a stored value: its JSON array, or else the non-empty pieces
 * between its commas (Lua's `string.gmatch(v, "[^,]+")`).
 */
export const decodeList = (value: string): Array<ListItem> => {
  let decoded: unknown
  try {
    decoded = JSON.parse(value)
  } catch {
    decoded = undefined
  }
  // cjson decodes an object to a table too: the empty one reads as an empty list.
  if (decoded !== null && typeof decoded === "object") return [...(checked(decoded) as ReadonlyArray<ListItem>)]
  return value.split(",").filter((piece) => piece.length > 0)
}

const escapes: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t"
}

/** Whether cjson writes the character as `\uXXXX`: control characters and DEL. */
const unprintable = (code: number): boolean => code < 0x20 || code === 0x7f

const encodeString = (text: string): string => {
  let encoded = '"'
  for (const char of text) {
    const code = char.charCodeAt(0)
    encoded += escapes[char] ?? (unprintable(code) ? `\\u${code.toString(16).padStart(4, "0")}` : char)
  }
  return `${encoded}"`
}

/** C's `%.14g`, as cjson formats numbers. */
const encodeNumber = (value: number): string => {
  if (Number.isNaN(value)) return value > 0 ? "nan" : "-nan"
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf"
  if (value === 0) return Object.is(value, -0) ? "-0" : "0"
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(14)))))
  if (exponent < -4 || exponent >= 14) {
    const [mantissa, power] = value.toExponential(13).split("e") as [string, string]
    const digits = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa
    const sign = power.startsWith("-") ? "-" : "+"
    return `${digits}e${sign}${power.replace(/^[+-]/, "").padStart(2, "0")}`
  }
  const fixed = value.toFixed(Math.max(0, 13 - exponent))
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed
}

const encodeItem = (item: ListItem): string => {
  if (typeof item === "string") return encodeString(item)
  if (typeof item === "number") return encodeNumber(item)
  if (typeof item === "boolean") return String(item)
  if (item === null) return "null"
  return encodeList(item)
}

/** `cjson.encode` of a list; an empty one is a table without keys, which cjson writes as `{}`. */
export const encodeList = (items: ReadonlyArray<ListItem>): string =>
  items.length === 0 ? "{}" : `[${items.map(encodeItem).join(",")}]`
