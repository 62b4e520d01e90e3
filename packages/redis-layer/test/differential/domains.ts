/**
 * The values generated commands take their arguments from. The domains are
 * small so that commands collide: a few keys (some of which end up holding a
 * string or a hash), two groups, a few consumers, IDs that refer to entries
 * added earlier in the sequence, and bad values that Redis refuses. Lists
 * start with their simplest value, where shrinking goes.
 */
import type { Arbitrary } from "effect"
import { command, listOf, oneOf, weighted } from "./pick.js"

/**
 * Keys the stream commands use; `x` also gets strings and hashes; `s3` gets
 * large entries (see `anyFields`); `ключ` shows up in error messages as
 * UTF-8.
 */
export const streamKey = oneOf("s1", "s2", "s1", "s2", "s1", "s3", "x", "ключ")
export const smallEntriesKey = oneOf("s1", "s2", "s1", "x", "ключ")
export const stringKey = oneOf("x", "s1", "x", "h")
export const hashKey = oneOf("h", "x", "h", "s2")
export const anyKey = oneOf("s1", "s2", "s3", "x", "h", "missing", "ключ")
export const group = oneOf("g1", "g2", "g1", "g1")
/** Consumers are listed in the byte order of their UTF-8 names, which JavaScript's order of `Ａ` and `😀` is not. */
export const consumer = oneOf("c1", "c2", "c3", "c1", "c2", "Ａ", "😀")

/**
 * An ID argument: a literal, or `{ ref: n }`, the n-th most recent ID that
 * adds to the command's key returned in this run (so that the same command
 * names the same entry on both implementations even when its ID was
 * generated), or its exclusive form `{ exclusiveRef: n }` in ranges.
 */
export type IdArgument = string | { readonly ref: number } | { readonly exclusiveRef: number }

export const ref = (n: number): IdArgument => ({ ref: n })

/** IDs of entries (XDEL, XACK, XCLAIM): mostly recent entries, some absent or malformed. */
const entryId = oneOf(ref(0), ref(0), ref(1), ref(2), ref(3), ref(5), "1-1", "5-0", "0-0", "bad", "+")
export const entryIds = listOf(entryId, 1, 3)

/** Range bounds (XRANGE, XPENDING, XAUTOCLAIM). */
const bound = oneOf(
  "-",
  "+",
  "-",
  "+",
  "0",
  "5",
  "12",
  "20-1",
  "(8",
  "(15-1",
  ref(0),
  ref(2),
  { exclusiveRef: 1 },
  "(0-0",
  "(-",
  "bad",
  "(18446744073709551615-18446744073709551615",
  "18446744073709551615-18446744073709551615"
)

export const count = oneOf(undefined, undefined, undefined, 1, 2, 5, 0, -1, 2.5)

/** Range bounds that mostly cover the whole stream, so that ranges show more than they hide. */
export const rangeStart = weighted<IdArgument>([3, oneOf("-")], [2, bound])
export const rangeEnd = weighted<IdArgument>([3, oneOf("+")], [2, bound])

/** Where XAUTOCLAIM starts: mostly the beginning or an entry, sometimes a bad bound. */
export const claimStart = oneOf(
  "0-0",
  "-",
  "0-0",
  ref(0),
  ref(3),
  ref(6),
  "12",
  "(5",
  "bad",
  "(18446744073709551615-18446744073709551615"
)

/**
 * How `xadd` picks its ID. `fresh` and `msOnly` use the step number, so IDs
 * grow along the sequence; `auto` is `*`, whose IDs differ between the two
 * implementations and are compared by the order they were generated in.
 */
export type AddId =
  | "fresh"
  | "msOnly"
  | "freshMsAutoSeq"
  | "previousMsAutoSeq"
  | "previousMs"
  | "auto"
  | "small"
  | "zero"
  | "bad"
  | "max"
const explicitAddIds: ReadonlyArray<AddId> = [
  "fresh",
  "fresh",
  "fresh",
  "fresh",
  "fresh",
  "msOnly",
  "freshMsAutoSeq",
  "previousMsAutoSeq",
  "previousMs",
  "small",
  "zero",
  "bad",
  "max"
]
export const explicitAddId = oneOf<AddId>(...explicitAddIds, "fresh", "fresh", "fresh", "fresh")
export const addId = oneOf<AddId>(...explicitAddIds, "auto")

/**
 * Field sets, by name (see `interpret.ts`): small and large values, shared
 * and differing field names. `p<n>` is a payload of n bytes: sizes that put
 * the end of a 4096-byte stream node at different places.
 *
 * Where a node ends decides what `MAXLEN ~` keeps, and the size of an entry
 * in a node depends on how far its ID is from the node's first one. So a node
 * holding generated IDs could end at different entries on the two
 * implementations (their clocks differ) if it filled up by bytes. Hence two
 * kinds of streams: `s3` gets large entries and only explicit IDs, so its
 * nodes fill up by bytes the same way on both; the others get generated IDs
 * and only entries so small (under 40 bytes) that 100 of them, a full node,
 * stay under 4096 bytes.
 */
export type FieldsName =
  | "one"
  | "event"
  | "numbers"
  | "other"
  | "p200"
  | "p333"
  | "p500"
  | "p700"
  | "p1000"
  | "p2000"
  | "p5000"
  | "emptyValue"
  | "unicode"
  | "none"
export const payloads = ["p200", "p333", "p500", "p700", "p1000", "p2000", "p5000"] as const
export const smallFields = oneOf<FieldsName>("one", "one", "numbers", "emptyValue", "none")
export const anyFields = oneOf<FieldsName>(
  "one",
  "event",
  "event",
  "numbers",
  "other",
  ...payloads,
  ...payloads,
  "emptyValue",
  "unicode",
  "none"
)

/** `MAXLEN` trims as `~n` / `=n`, with an invalid one or two. */
export const trim = oneOf<string | undefined>(
  undefined,
  undefined,
  undefined,
  undefined,
  "~0",
  "=0",
  "=1",
  "=3",
  "~5",
  "~10",
  "~50",
  "~100",
  "=100",
  "~150",
  "=-1",
  "=2.5"
)

/** Trims for streams of large entries: mostly approximate and short, so that whole nodes go. */
export const nodeTrim = oneOf<string | undefined>(undefined, "~1", "~2", "~3", "~5", "~8", "=2", "~0", "=-1")

/**
 * Expiry times. The `level`s are long (10^9 ms and more) and grow with the
 * step, so that `GT`/`LT` compare times that differ by far more than the
 * two implementations' clocks do; the rest are edge values.
 */
export type Ttl = "level1" | "level2" | "level3" | "zero" | "negative" | "fraction" | "huge" | "tooBig"
export const ttl = oneOf<Ttl>(
  "level1",
  "level2",
  "level3",
  "level1",
  "level2",
  "zero",
  "negative",
  "fraction",
  "huge",
  "tooBig"
)

/**
 * Idle times: a claim either takes entries whatever their idle time (0 or a
 * negative minimum) or only those made idle on purpose by `XCLAIM ... IDLE`,
 * so that which entries qualify never depends on how long a run takes.
 */
export const minIdle = oneOf(0, 10_000_000, 0, 10_000_000, -5, 1.5)
export const claimIdle = oneOf(undefined, 50_000_000, 0, 50_000_000)

export const cursor = oneOf("0", "0-0", "$", ref(0), ref(1), ref(2), "12", ">", "bad")
export const groupCursor = oneOf(">", ">", ">", ">", "0", "0", ref(1), ref(3), "$", "bad")
export const groupStart = oneOf("0", "$", "0", "$", "0", ref(0), ref(2), "7", "bad", "+", "-")
export const flag = oneOf(false, false, false, true)
export const noMkStream = oneOf(false, false, false, false, true)

/** The streams of a read: mostly one, as a read fails whole when one of its keys lacks the group. */
export const cursors = (id: Arbitrary.Arbitrary<IdArgument>) => {
  const one = command("cursor", { key: streamKey, id })
  return weighted([3, listOf(one, 1, 1)], [1, listOf(one, 2, 2)])
}
