/**
 * Sequences that stay on one area, where the mixed sequences of
 * `commands.ts` go too rarely: trimming with entries of every size, and
 * consumer groups with many pending entries on one stream.
 */
import { Arbitrary } from "effect"
import { type Command, preamble, xaddSized } from "./commands.js"
import {
  type AddId,
  claimIdle,
  claimStart,
  entryIds,
  type FieldsName,
  flag,
  type IdArgument,
  minIdle,
  ref,
  type Ttl
} from "./domains.js"
import { command, listOf, oneOf, weighted } from "./pick.js"
import { scriptCommand } from "./scripts.js"

const trimmedKey = oneOf("s3", "s2")

/**
 * 10 to 40 sized adds, mostly with an approximate trim, and the reads and
 * deletions that show what the trims kept.
 */
export const trimmingSequence: Arbitrary.Arbitrary<Array<Command>> = listOf(
  weighted<Command>(
    [8, xaddSized],
    [2, command("xrange", { key: trimmedKey, start: oneOf("-"), end: oneOf("+"), count: oneOf(undefined, 1) })],
    [1, command("xlen", { key: trimmedKey })],
    [1, command("xdel", { key: trimmedKey, ids: entryIds })]
  ),
  10,
  40
)

const key = oneOf("s1", "s1", "s1", "s2")
const group = oneOf("g1", "g1", "g2")
const consumer = oneOf("c1", "c2", "c3")
const ids = entryIds
const cursor = oneOf<IdArgument>(">", ">", ">", "0", ref(2))

/**
 * Group commands on mostly one stream and group, with mostly valid arguments:
 * deliveries, claims, acks, deletions of pending entries, consumers deleted
 * only when nothing is pending for them.
 */
const groupCommand = weighted<Command>(
  [
    5,
    command("xadd", {
      key,
      fields: oneOf<FieldsName>("one", "numbers"),
      id: oneOf<AddId>("fresh"),
      trim: oneOf<string | undefined>(undefined, undefined, "=5", "~5"),
      noMkStream: oneOf(false)
    })
  ],
  [
    1,
    command("xaddAll", {
      key,
      entries: oneOf(3, 30),
      fields: oneOf<FieldsName>("one"),
      mixed: oneOf(false),
      withEmptyEntry: oneOf(false),
      trim: oneOf<string | undefined>(undefined)
    })
  ],
  [
    6,
    command("xreadgroup", {
      group,
      consumer,
      streams: listOf(command("cursor", { key, id: cursor }), 1, 1),
      count: oneOf(undefined, 1, 3),
      noAck: flag
    })
  ],
  [3, command("xack", { key, group, ids })],
  [2, command("xclaim", { key, group, consumer, minIdle, ids })],
  [2, command("xclaimJustId", { key, group, consumer, minIdle, ids, idle: claimIdle })],
  [2, command("xautoclaim", { key, group, consumer, minIdle, start: claimStart, count: oneOf(undefined, 1, 2, 3) })],
  [2, command("xpending", { key, group })],
  [
    3,
    command("xpendingRange", {
      key,
      group,
      start: oneOf("-"),
      end: oneOf("+"),
      count: oneOf(10, 2),
      consumer: oneOf(undefined, undefined, undefined, "c1"),
      minIdle: oneOf(undefined, undefined, 0, 10_000_000)
    })
  ],
  [1, command("xgroupCreateConsumer", { key, group, consumer })],
  [1, command("xgroupDelConsumerIfNoPending", { key, group, consumer })],
  [1, command("xinfoConsumers", { key, group })],
  [1, command("xinfoGroups", { key })],
  [2, command("xdel", { key, ids })],
  [2, command("xgroupCreate", { key, group, id: oneOf("0", "$"), mkStream: oneOf(true) })],
  [1, command("xgroupDestroy", { key, group })]
)

/** The preamble, then 20 to 60 group commands. */
export const groupSequence: Arbitrary.Arbitrary<Array<Command>> = Arbitrary.map(
  listOf(groupCommand, 20, 60),
  (commands) => [...preamble, ...commands]
)

/** What a script run left in its first key, read right after it. */
const readBack = (command: Command): Array<Command> => {
  if (command._tag !== "runScript") return [command]
  const key = command.keys[0]!
  return [command, command.name === "leaseAcquire" ? { _tag: "get", key } : { _tag: "hgetall", key }]
}

/**
 * Go Pulse's scripts among the hash and string commands they share keys
 * with, each script run followed by a read of the key it wrote: 10 to 40
 * commands.
 */
export const scriptSequence: Arbitrary.Arbitrary<Array<Command>> = Arbitrary.map(
  listOf(
    weighted<Command>(
      [8, scriptCommand],
      [1, command("hset", { key: oneOf("h"), field: oneOf("f", "=rev", "=kind"), value: oneOf("v1", "12", '["a"]') })],
      [
        1,
        command("set", {
          key: oneOf("x", "h"),
          value: oneOf("2500", "v"),
          onlyIfMissing: oneOf(false),
          ttl: oneOf<Ttl | undefined>(undefined)
        })
      ],
      [1, command("pttl", { key: oneOf("x", "h") })]
    ),
    10,
    40
  ),
  (commands) => commands.flatMap(readBack)
)
