/**
 * `XREAD` and `XREADGROUP`, blocking or not, following Redis 7.0's
 * `xreadCommand` and `serveClientsBlockedOnStreamKey`.
 *
 * A read first serves what it can at once: `XREAD` a key whose last live
 * entry is after the cursor, `XREADGROUP >` a key with entries after the
 * group's last delivered ID, `XREADGROUP <id>` always (the consumer's own
 * history, possibly empty). When nothing is served and the read may block,
 * it waits until a key is signalled ready and its last generated ID is past
 * the cursor (for `>`: past the group's last delivered ID at that moment),
 * and then replies with that one key.
 *
 * @internal
 */
import type { DeletedEntry, StreamCursor, StreamEntry, StreamRead } from "../../RedisClient.js"
import type { BlockPlan, ReadOutcome } from "./blocking.js"
import type { DeletedMarker } from "./consumerGroups.js"
import { compareIds, formatId, idsEqual, incrementId, maxId, minId, parseStrictId, type StreamId } from "./ids.js"
import { err, expiryOverflows, int64Argument, ReplyError, syntaxError, wrongArity } from "./replies.js"
import { entryReply, type Store } from "./store.js"
import type { StoredEntry, Stream } from "./streamStore.js"

/** What XREADGROUP returns for one key. */
export type GroupRead = StreamRead<StreamEntry | DeletedEntry>

interface ReadArguments {
  readonly streams: ReadonlyArray<StreamCursor>
  readonly count: number | undefined
  /** `undefined` for a read that does not block. */
  readonly blockMillis: number | undefined
}

/** The `GROUP group consumer [NOACK]` part of XREADGROUP. */
export interface GroupArguments {
  readonly group: string
  readonly consumer: string
  readonly noAck: boolean
}

interface Cursor {
  readonly key: string
  /** Entries after this ID; `maxId` stands for `>` in XREADGROUP, as in Redis. */
  readonly after: StreamId
}

/** COUNT, BLOCK and the stream list, checked as Redis checks them; returns the count (0: no limit). */
const checkOptions = (command: string, args: ReadArguments, extraArguments: number, now: number): number => {
  if (args.streams.length === 0) {
    // Redis counts arguments before looking at them: `XREAD STREAMS` is an arity error, `XREAD COUNT 1 STREAMS` a syntax error.
    const sent = extraArguments + (args.count === undefined ? 0 : 2) + (args.blockMillis === undefined ? 0 : 2) + 1
    if (sent < (command === "XREAD" ? 4 : 7)) throw wrongArity(command)
  }
  let count = 0
  if (args.count !== undefined) {
    const requested = int64Argument(args.count)
    count = requested < 0n ? 0 : Number(requested)
  }
  if (args.blockMillis !== undefined) {
    const block = int64Argument(args.blockMillis, () => err("timeout is not an integer or out of range"))
    if (block < 0n) throw err("timeout is negative")
    if (block > 0n && expiryOverflows(block, now)) throw err("timeout is out of range")
  }
  if (args.streams.length === 0) throw syntaxError()
  return count
}

const entriesAfter = (stream: Stream, after: StreamId, count: number): Array<StreamEntry> => {
  const start = incrementId(after)
  return start === undefined ? [] : stream.range(start, maxId, count, false).map(entryReply)
}

const historyReply = (entry: StoredEntry | DeletedMarker): StreamEntry | DeletedEntry =>
  entry.fields === null ? { id: formatId(entry.id), fields: null } : entryReply(entry)

/** Whether the stream has a live entry after `after`. */
const hasLiveEntryAfter = (stream: Stream, after: StreamId): boolean => {
  const last = stream.lastLiveId()
  return last !== undefined && compareIds(last, after) > 0
}

/** Each key once, with the cursor of its first mention, as Redis blocks on them. */
const distinctKeys = (cursors: ReadonlyArray<Cursor>): Map<string, StreamId> => {
  const keys = new Map<string, StreamId>()
  for (const cursor of cursors) if (!keys.has(cursor.key)) keys.set(cursor.key, cursor.after)
  return keys
}

/** `XREAD [COUNT n] [BLOCK ms] STREAMS ...`: served at once, or what to block for. */
export const xread = (store: Store, args: ReadArguments, now: number): ReadOutcome<ReadonlyArray<StreamRead>> => {
  const count = checkOptions("XREAD", args, 1, now)
  const cursors: Array<Cursor> = args.streams.map(({ id, key }) => {
    const stream = store.keyspace.stream(key, now)
    if (id === "$") return { key, after: stream?.lastId ?? minId }
    if (id === ">") {
      throw err("The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
    }
    return { key, after: parseStrictId(id) }
  })
  const reads: Array<StreamRead> = []
  for (const { after, key } of cursors) {
    const stream = store.keyspace.stream(key, now)
    if (stream !== undefined && hasLiveEntryAfter(stream, after)) {
      reads.push({ key, entries: entriesAfter(stream, after, count) })
    }
  }
  if (reads.length > 0 || args.blockMillis === undefined) return { _tag: "Served", reply: reads }
  const afterByKey = distinctKeys(cursors)
  const plan: BlockPlan<ReadonlyArray<StreamRead>> = {
    keys: [...afterByKey.keys()],
    ready: (key, now) => {
      const value = store.keyspace.lookup(key, now)
      const after = afterByKey.get(key)!
      if (value?.type !== "stream" || compareIds(value.stream.lastId, after) <= 0) return undefined
      return [{ key, entries: entriesAfter(value.stream, after, count) }]
    },
    // XREAD does not care whether its keys exist.
    removed: () => undefined,
    timedOut: [],
    endsWithKey: false
  }
  return { _tag: "Block", plan }
}

const keyGone = () => new ReplyError("UNBLOCKED the stream key no longer exists")

/** `XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ...`: served at once, or what to block for. */
export const xreadgroup = (
  store: Store,
  group: GroupArguments,
  args: ReadArguments,
  now: number
): ReadOutcome<ReadonlyArray<GroupRead>> => {
  const count = checkOptions("XREADGROUP", args, group.noAck ? 5 : 4, now)
  const cursors: Array<Cursor> = args.streams.map(({ id, key }) => {
    if (store.keyspace.stream(key, now)?.groups.get(group.group) === undefined) {
      throw new ReplyError(
        `NOGROUP No such key '${key}' or consumer group '${group.group}' in XREADGROUP with GROUP option`
      )
    }
    if (id === "$") {
      throw err(
        "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
      )
    }
    return { key, after: id === ">" ? maxId : parseStrictId(id) }
  })
  const reads: Array<GroupRead> = []
  for (const { after, key } of cursors) {
    const stream = store.keyspace.stream(key, now)!
    const consumerGroup = stream.groups.get(group.group)!
    if (!idsEqual(after, maxId)) {
      const history = consumerGroup.readHistory(stream, group.consumer, incrementId(after)!, count, now)
      reads.push({ key, entries: history.map(historyReply) })
    } else if (hasLiveEntryAfter(stream, consumerGroup.lastId)) {
      const entries = consumerGroup.deliverNew(stream, group.consumer, count, group.noAck, now)
      reads.push({ key, entries: entries.map(entryReply) })
    }
  }
  if (reads.length > 0 || args.blockMillis === undefined) return { _tag: "Served", reply: reads }
  // Only `>` cursors get here: a history read is always served.
  const plan: BlockPlan<ReadonlyArray<GroupRead>> = {
    keys: [...distinctKeys(cursors).keys()],
    ready: (key, now) => {
      const value = store.keyspace.lookup(key, now)
      if (value?.type !== "stream") throw keyGone()
      const consumerGroup = value.stream.groups.get(group.group)
      if (consumerGroup === undefined) {
        throw new ReplyError("NOGROUP the consumer group this client was blocked on no longer exists")
      }
      if (compareIds(value.stream.lastId, consumerGroup.lastId) <= 0) return undefined
      const entries = consumerGroup.deliverNew(value.stream, group.consumer, count, group.noAck, now)
      return [{ key, entries: entries.map(entryReply) }]
    },
    removed: () => {
      throw keyGone()
    },
    timedOut: [],
    endsWithKey: true
  }
  return { _tag: "Block", plan }
}
