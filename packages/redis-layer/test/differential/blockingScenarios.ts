/**
 * The blocking scenarios of `DifferentialBlocking.test.ts`. Each blocks
 * reads, waits until the server has them blocked, and then wakes or fails
 * them from the shared connection.
 */
import { Effect } from "effect"
import type { Script } from "./blocking.js"
import type { Command } from "./commands.js"

const add = (key: string, id: "fresh" | "msOnly" = "fresh"): Command => ({
  _tag: "xadd",
  key,
  fields: "numbers",
  id,
  trim: undefined,
  noMkStream: false
})

const createGroup = (key: string, group: string): Command => ({
  _tag: "xgroupCreate",
  key,
  group,
  id: "$",
  mkStream: true
})

const pending = (key: string, group: string): ReadonlyArray<Command> => [
  { _tag: "xpending", key, group },
  { _tag: "xpendingRange", key, group, start: "-", end: "+", count: 10, consumer: undefined, minIdle: undefined }
]

export const scenarios: ReadonlyArray<readonly [name: string, scenario: (script: Script) => Effect.Effect<void>]> = [
  [
    "a blocked XREAD is woken by an add from another fiber",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(add("s1"))
        const read = yield* script.block("xread", (connection) =>
          connection.xread(
            [
              { key: "s2", id: "$" },
              { key: "s1", id: "$" }
            ],
            { blockMillis: 0, count: 2 }
          )
        )
        yield* script.awaitBlocked(1)
        yield* script.run(add("s1"))
        yield* read.wait
      })
  ],
  [
    "blocked XREADGROUPs are served in the order they blocked, from one batch",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(createGroup("s1", "g"))
        const first = yield* script.block("xreadgroup c1", (connection) =>
          connection.xreadgroup("g", "c1", [{ key: "s1", id: ">" }], { blockMillis: 0, count: 1 })
        )
        yield* script.awaitBlocked(1)
        const second = yield* script.block("xreadgroup c2", (connection) =>
          connection.xreadgroup("g", "c2", [{ key: "s1", id: ">" }], { blockMillis: 0 })
        )
        yield* script.awaitBlocked(2)
        yield* script.run({
          _tag: "xaddAll",
          key: "s1",
          entries: 3,
          fields: "one",
          mixed: true,
          withEmptyEntry: false,
          trim: undefined
        })
        yield* first.wait
        yield* second.wait
        for (const command of pending("s1", "g")) yield* script.run(command)
      })
  ],
  [
    "a blocked XREADGROUP with NOACK is woken by an add and leaves nothing pending",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(createGroup("s2", "g"))
        const read = yield* script.block("xreadgroup noack", (connection) =>
          connection.xreadgroup("g", "c", [{ key: "s2", id: ">" }], { blockMillis: 0, noAck: true })
        )
        yield* script.awaitBlocked(1)
        yield* script.run(add("s2", "msOnly"))
        yield* read.wait
        for (const command of pending("s2", "g")) yield* script.run(command)
        yield* script.run({ _tag: "xinfoConsumers", key: "s2", group: "g" })
      })
  ],
  [
    "a blocked XREADGROUP whose group is destroyed fails with NOGROUP",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(createGroup("s1", "g"))
        const read = yield* script.block("xreadgroup", (connection) =>
          connection.xreadgroup("g", "c", [{ key: "s1", id: ">" }], { blockMillis: 0 })
        )
        yield* script.awaitBlocked(1)
        yield* script.run({ _tag: "xgroupDestroy", key: "s1", group: "g" })
        yield* read.wait
      })
  ],
  [
    "a blocked XREADGROUP whose key is deleted or overwritten fails with UNBLOCKED",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(createGroup("s1", "g"))
        const deleted = yield* script.block("xreadgroup on a deleted key", (connection) =>
          connection.xreadgroup("g", "c", [{ key: "s1", id: ">" }], { blockMillis: 0 })
        )
        yield* script.awaitBlocked(1)
        yield* script.run({ _tag: "del", keys: ["s1"] })
        yield* deleted.wait
        yield* script.run(createGroup("s1", "g"))
        const overwritten = yield* script.block("xreadgroup on an overwritten key", (connection) =>
          connection.xreadgroup("g", "c", [{ key: "s1", id: ">" }], { blockMillis: 0 })
        )
        yield* script.awaitBlocked(1)
        yield* script.run({ _tag: "set", key: "s1", value: "v1", onlyIfMissing: false, ttl: undefined })
        yield* overwritten.wait
      })
  ],
  [
    "a blocked XREAD whose entries past its cursor were deleted is served empty when the key is signalled",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(add("s1"))
        yield* script.run(add("s1"))
        yield* script.run({ _tag: "xdel", key: "s1", ids: [{ ref: 0 }] })
        const read = yield* script.block("xread", (connection) =>
          connection.xread([{ key: "s1", id: "1-1" }], { blockMillis: 0 })
        )
        yield* script.awaitBlocked(1)
        // Creating and destroying a group signals the key without adding to it.
        yield* script.run({ _tag: "xgroupCreate", key: "s1", group: "tmp", id: "0", mkStream: false })
        yield* script.run({ _tag: "xgroupDestroy", key: "s1", group: "tmp" })
        yield* read.wait
      })
  ],
  [
    "blocked reads time out with no entries, and a history read does not block",
    (script) =>
      Effect.gen(function* () {
        yield* script.run(createGroup("s1", "g"))
        const timeouts = [
          yield* script.block("xread", (connection) => connection.xread([{ key: "s1", id: "$" }], { blockMillis: 30 })),
          yield* script.block("xreadgroup", (connection) =>
            connection.xreadgroup("g", "c", [{ key: "s1", id: ">" }], { blockMillis: 30 })
          ),
          yield* script.block("history", (connection) =>
            connection.xreadgroup("g", "c", [{ key: "s1", id: "0" }], { blockMillis: 0 })
          )
        ]
        for (const read of timeouts) yield* read.wait
        yield* script.run({ _tag: "xinfoConsumers", key: "s1", group: "g" })
      })
  ]
]
