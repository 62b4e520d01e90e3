/**
 * Random commands over the `RedisClient` service, as plain data (so that a
 * failing sequence prints readably); `interpret.ts` turns each one into a
 * call. The arguments come from `domains.ts`.
 */
import type { RedisClient } from "@effect-pulse/core"
import { Arbitrary, Schema } from "effect"
import {
  type AddId,
  addId,
  anyFields,
  anyKey,
  claimIdle,
  claimStart,
  consumer,
  count,
  cursor,
  cursors,
  entryIds,
  explicitAddId,
  type FieldsName,
  flag,
  group,
  groupCursor,
  groupStart,
  hashKey,
  minIdle,
  nodeTrim,
  noMkStream,
  payloads,
  rangeEnd,
  rangeStart,
  smallEntriesKey,
  smallFields,
  streamKey,
  stringKey,
  type Ttl,
  trim,
  ttl
} from "./domains.js"
import { command, listOf, oneOf, weighted } from "./pick.js"
import { scriptCommand } from "./scripts.js"

/**
 * An add of `repeat` entries with explicit IDs and a payload of `bytes`
 * bytes, any size up to a little more than a stream node: equal sizes fill
 * nodes evenly, so that where a node ends falls anywhere in an entry.
 */
export const xaddSized = command("xaddSized", {
  key: oneOf("s3", "s2"),
  bytes: Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4500 }))),
  repeat: oneOf(1, 1, 2, 3, 8),
  trim: nodeTrim
})

const commands = [
  [6, command("xadd", { key: smallEntriesKey, fields: smallFields, id: addId, trim, noMkStream })],
  [8, command("xadd", { key: oneOf("s3"), fields: anyFields, id: explicitAddId, trim: nodeTrim, noMkStream })],
  [
    3,
    // Idempotent adds: explicit IDs only, since the first add's ID is what later ones (and GET) return.
    command("xaddOnce", {
      key: smallEntriesKey,
      fields: smallFields,
      id: explicitAddId,
      noMkStream,
      dedupeKey: oneOf("once", "once", "x", "h"),
      window: oneOf<Ttl>("level1", "level1", "level1", "zero", "negative")
    })
  ],
  [
    2,
    command("xaddAll", {
      key: smallEntriesKey,
      entries: oneOf(0, 1, 3, 30, 120),
      fields: smallFields,
      mixed: flag,
      withEmptyEntry: oneOf(false, false, false, false, false, false, true),
      trim
    })
  ],
  [3, command("xrange", { key: streamKey, start: rangeStart, end: rangeEnd, count })],
  [2, command("xrevrange", { key: streamKey, end: rangeEnd, start: rangeStart, count })],
  [1, command("xlen", { key: streamKey })],
  [2, command("xdel", { key: streamKey, ids: entryIds })],
  [1, command("xinfoStream", { key: streamKey })],
  [3, command("xread", { streams: cursors(cursor), count })],
  [
    6,
    command("xreadgroup", {
      group,
      consumer,
      streams: cursors(groupCursor),
      count,
      noAck: flag
    })
  ],
  [3, command("xack", { key: streamKey, group, ids: entryIds })],
  [2, command("xclaim", { key: streamKey, group, consumer, minIdle, ids: entryIds })],
  [2, command("xclaimJustId", { key: streamKey, group, consumer, minIdle, ids: entryIds, idle: claimIdle })],
  [
    3,
    command("xautoclaim", {
      key: streamKey,
      group,
      consumer,
      minIdle,
      start: claimStart,
      count: oneOf(undefined, 1, 2, 3, 1, 2, 3, 0, -1)
    })
  ],
  [2, command("xpending", { key: streamKey, group })],
  [
    2,
    command("xpendingRange", {
      key: streamKey,
      group,
      start: rangeStart,
      end: rangeEnd,
      count: oneOf(10, 1, 2, 0, -1, 2.5),
      consumer: oneOf(undefined, undefined, "c1", "c2", "c3"),
      minIdle: oneOf(undefined, undefined, 0, 10_000_000, -5)
    })
  ],
  [5, command("xgroupCreate", { key: streamKey, group, id: groupStart, mkStream: oneOf(false, true) })],
  [1, command("xgroupDestroy", { key: streamKey, group })],
  [1, command("xgroupCreateConsumer", { key: streamKey, group, consumer })],
  [1, command("xgroupDelConsumerIfNoPending", { key: streamKey, group, consumer })],
  [1, command("xinfoGroups", { key: streamKey })],
  [1, command("xinfoConsumers", { key: streamKey, group })],
  [
    1,
    command("scanAll", {
      match: oneOf<string | undefined>(undefined, "s*", "?1", "[sx]*", "[^s]*", "\\s1", "h", "missing", "к*"),
      type: oneOf<string | undefined>(undefined, "stream", "hash", "string", "STREAM"),
      count: oneOf<number | undefined>(undefined, 1, 1000, 0)
    })
  ],
  [1, command("del", { keys: listOf(anyKey, 1, 3) })],
  [1, command("exists", { keys: listOf(anyKey, 1, 3) })],
  [
    2,
    command("pexpire", {
      key: anyKey,
      ttl,
      condition: oneOf<RedisClient.ExpireCondition | undefined>(undefined, undefined, "NX", "XX", "GT", "LT")
    })
  ],
  [1, command("pttl", { key: anyKey })],
  [
    1,
    command("set", {
      key: stringKey,
      value: oneOf("v1", "v2", ""),
      onlyIfMissing: flag,
      ttl: oneOf<Ttl | undefined>(undefined, undefined, undefined, "level1", "level2", "zero", "negative")
    })
  ],
  [1, command("get", { key: stringKey })],
  [1, command("hset", { key: hashKey, field: oneOf("f", "g", "поле"), value: oneOf("v1", "v2", "", "значение") })],
  [1, command("hgetall", { key: hashKey })],
  [1, command("hdel", { key: hashKey, fields: listOf(oneOf("f", "g", "z", "поле"), 1, 2) })],
  [3, scriptCommand]
] as const

type ValueOf<A> = A extends Arbitrary.Arbitrary<infer T> ? T : never

/** One generated command. */
export type Command = ValueOf<(typeof commands)[number][1]> | ValueOf<typeof xaddSized>

/** One command, commands weighted so that adds, group reads and acks dominate. */
export const anyCommand: Arbitrary.Arbitrary<Command> = weighted<Command>(...commands)

/**
 * Valid adds, group creations and group reads on the two main streams: a
 * sequence starts with a few of them so that its random part finds groups
 * with pending entries to read, claim and acknowledge more often than random
 * commands alone would build them.
 */
const setupCommand: Arbitrary.Arbitrary<Command> = weighted<Command>(
  [
    3,
    command("xadd", {
      key: oneOf("s1", "s2"),
      fields: oneOf<FieldsName>("one", "numbers"),
      id: oneOf<AddId>("fresh"),
      trim: oneOf<string | undefined>(undefined),
      noMkStream: oneOf(false)
    })
  ],
  [
    3,
    command("xadd", {
      key: oneOf("s3"),
      fields: oneOf<FieldsName>("event", ...payloads),
      id: oneOf<AddId>("fresh"),
      trim: oneOf<string | undefined>(undefined),
      noMkStream: oneOf(false)
    })
  ],
  [
    1,
    command("xaddAll", {
      key: oneOf("s1", "s2"),
      entries: oneOf(30, 120),
      fields: oneOf<FieldsName>("one", "numbers"),
      mixed: flag,
      withEmptyEntry: oneOf(false),
      trim: oneOf<string | undefined>(undefined, "~10", "~50")
    })
  ],
  [
    3,
    command("xgroupCreate", {
      key: oneOf("s1", "s2"),
      group: oneOf("g1", "g2"),
      id: oneOf("0", "$"),
      mkStream: oneOf(true)
    })
  ],
  [
    3,
    command("xreadgroup", {
      group: oneOf("g1", "g2"),
      consumer,
      streams: listOf(command("cursor", { key: oneOf("s1", "s2"), id: oneOf(">") }), 1, 1),
      count: oneOf(undefined, 2, undefined),
      noAck: oneOf(false)
    })
  ]
)

/**
 * Every sequence starts with group `g1` on `s1` and `s2`, which most group
 * commands name; the random commands may destroy it or delete its stream.
 */
export const preamble: ReadonlyArray<Command> = (["s1", "s2"] as const).map((key) => ({
  _tag: "xgroupCreate",
  key,
  group: "g1",
  id: "0",
  mkStream: true
}))

/** A sequence: the preamble, 3 to 10 setup commands, then 20 to 50 random ones. */
export const sequence: Arbitrary.Arbitrary<Array<Command>> = Arbitrary.map(
  Arbitrary.all([listOf(setupCommand, 3, 10), listOf(anyCommand, 20, 50)]),
  ([setup, commands]) => [...preamble, ...setup, ...commands]
)
