/**
 * Fixed sequences for differences the differential tests found (or for
 * behaviour they reach too rarely to guard on their own), run on both
 * implementations like the generated ones.
 */
import type { Command } from "./commands.js"
import { preamble } from "./commands.js"

const add = (key: string, fields: "one" | "numbers" = "one"): Command => ({
  _tag: "xadd",
  key,
  fields,
  id: "fresh",
  trim: undefined,
  noMkStream: false
})

const readGroup = (consumer: string, id = ">"): Command => ({
  _tag: "xreadgroup",
  group: "g1",
  consumer,
  streams: [{ _tag: "cursor", key: "s1", id }],
  count: undefined,
  noAck: false
})

const pendingEntries: Command = {
  _tag: "xpendingRange",
  key: "s1",
  group: "g1",
  start: "-",
  end: "+",
  count: 10,
  consumer: undefined,
  minIdle: undefined
}

const infoOnEveryLevel = (key: string): ReadonlyArray<Command> => [
  { _tag: "xinfoStream", key },
  { _tag: "xinfoGroups", key },
  { _tag: "xinfoConsumers", key, group: "g1" }
]

export const regressions: ReadonlyArray<readonly [name: string, commands: ReadonlyArray<Command>]> = [
  [
    // What a sink's claim check and a reader meet once a stream was deleted under them.
    "XINFO STREAM, GROUPS and CONSUMERS on a missing or deleted key fail with ERR no such key",
    [
      ...infoOnEveryLevel("s1"),
      ...preamble,
      add("s1"),
      ...infoOnEveryLevel("s1"),
      { _tag: "del", keys: ["s1"] },
      ...infoOnEveryLevel("s1"),
      { _tag: "set", key: "x", value: "v1", onlyIfMissing: false, ttl: undefined },
      ...infoOnEveryLevel("x")
    ]
  ],
  [
    // The Redis layer's decoder threw on the nil array Redis sends for COUNT 0 or less.
    "XRANGE with a COUNT of 0 or less replies with no entries",
    [
      add("s1"),
      add("s1"),
      { _tag: "xrange", key: "s1", start: "-", end: "+", count: 0 },
      { _tag: "xrange", key: "s1", start: "-", end: "+", count: -1 },
      { _tag: "xrange", key: "missing", start: "-", end: "+", count: -3 },
      { _tag: "xrange", key: "s1", start: "-", end: "+", count: 1 },
      { _tag: "xrevrange", key: "s1", end: "+", start: "-", count: 0 },
      { _tag: "xrevrange", key: "s1", end: "+", start: "-", count: 1 }
    ]
  ],
  [
    // The Redis layer passed on the location Redis appends to errors raised inside a script.
    "xaddAll fails with the message of a plain XADD",
    [
      { _tag: "set", key: "x", value: "v1", onlyIfMissing: false, ttl: undefined },
      { _tag: "xaddAll", key: "x", entries: 3, fields: "one", mixed: false, withEmptyEntry: false, trim: undefined },
      { _tag: "xaddAll", key: "s1", entries: 3, fields: "one", mixed: false, withEmptyEntry: false, trim: "=-1" },
      { _tag: "xaddAll", key: "s1", entries: 3, fields: "one", mixed: false, withEmptyEntry: false, trim: "~2.5" },
      { _tag: "xaddAll", key: "s1", entries: 3, fields: "one", mixed: false, withEmptyEntry: true, trim: undefined },
      { _tag: "xadd", key: "s2", fields: "one", id: "max", trim: undefined, noMkStream: false },
      {
        _tag: "xaddAll",
        key: "s2",
        entries: 2,
        fields: "numbers",
        mixed: false,
        withEmptyEntry: false,
        trim: undefined
      }
    ]
  ],
  [
    "claiming an entry deleted from the stream drops it from the pending list",
    [
      ...preamble,
      add("s1"),
      add("s1"),
      add("s1"),
      readGroup("c1"),
      { _tag: "xdel", key: "s1", ids: [{ ref: 1 }] },
      { _tag: "xclaim", key: "s1", group: "g1", consumer: "c2", minIdle: 0, ids: [{ ref: 1 }, { ref: 0 }] },
      pendingEntries,
      readGroup("c1", "0"),
      { _tag: "xdel", key: "s1", ids: [{ ref: 2 }] },
      { _tag: "xautoclaim", key: "s1", group: "g1", consumer: "c3", minIdle: 0, start: "0-0", count: 1 },
      pendingEntries
    ]
  ],
  [
    // cjson writes an empty table as {}: a list holding an empty list comes back holding an empty object.
    "Go Pulse's map scripts: an empty list inside a list value survives an append and a remove",
    [
      { _tag: "runScript", name: "mapSet", keys: ["h", "h:updates"], args: ["f", '[1.5,true,null,"a",[]]'] },
      { _tag: "runScript", name: "mapAppend", keys: ["h", "h:updates"], args: ["f", "x/y"] },
      { _tag: "runScript", name: "mapRemove", keys: ["h", "h:updates"], args: ["f", "a"] },
      { _tag: "runScript", name: "mapAppend", keys: ["h", "h:updates"], args: ["f", "b"] },
      { _tag: "hgetall", key: "h" }
    ]
  ]
]
