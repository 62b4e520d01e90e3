/**
 * The consumer group commands: `XACK`, `XCLAIM`, `XAUTOCLAIM`, `XPENDING`,
 * `XGROUP ...` and `XINFO GROUPS / CONSUMERS`, with Redis 7.0's replies for a
 * missing key or group, which differ from command to command (`XACK` counts
 * 0, `XGROUP` wants the key to exist, `XPENDING` says `NOGROUP`, ...).
 *
 * @internal
 */
import type {
  AutoClaimResult,
  ConsumerInfo,
  GroupInfo,
  PendingEntry,
  PendingRange,
  PendingSummary
} from "../../RedisClient.js"
import { ConsumerGroup, compareNames } from "./consumerGroups.js"
import { formatId, minId, parseRangeEnd, parseRangeStart, parseStrictId } from "./ids.js"
import { err, int64Argument, keyMustExist, noKeyOrGroup, noSuchGroup, ReplyError } from "./replies.js"
import { entryReply, type Store } from "./store.js"
import type { StoredEntry, Stream } from "./streamStore.js"

/** The stream and group that XCLAIM, XAUTOCLAIM and XPENDING require. */
const requireGroup = (
  store: Store,
  key: string,
  group: string,
  now: number
): { readonly stream: Stream; readonly group: ConsumerGroup } => {
  const stream = store.keyspace.stream(key, now)
  const consumerGroup = stream?.groups.get(group)
  if (stream === undefined || consumerGroup === undefined) throw noKeyOrGroup(key, group)
  return { stream, group: consumerGroup }
}

/** The stream XGROUP subcommands other than CREATE ... MKSTREAM require. */
const requireKey = (store: Store, key: string, now: number): Stream => {
  const stream = store.keyspace.stream(key, now)
  if (stream === undefined) throw keyMustExist()
  return stream
}

/** The group XGROUP CREATECONSUMER requires. */
const requireNamedGroup = (store: Store, key: string, group: string, now: number): ConsumerGroup => {
  const consumerGroup = requireKey(store, key, now).groups.get(group)
  if (consumerGroup === undefined) throw noSuchGroup(key, group)
  return consumerGroup
}

/** The stream XINFO requires. */
const requireInfoKey = (store: Store, key: string, now: number): Stream => {
  const stream = store.keyspace.stream(key, now)
  if (stream === undefined) throw err("no such key")
  return stream
}

const minIdle = (millis: number, command: string): number => {
  const value = int64Argument(millis, () => err(`Invalid min-idle-time argument for ${command}`))
  return value < 0n ? 0 : Number(value)
}

/** `XACK`: how many of the IDs were pending. */
export const xack = (store: Store, key: string, group: string, ids: ReadonlyArray<string>, now: number): number => {
  const consumerGroup = store.keyspace.stream(key, now)?.groups.get(group)
  if (consumerGroup === undefined) return 0
  const parsed = ids.map((id) => parseStrictId(id))
  return consumerGroup.acknowledge(parsed)
}

/** The arguments of XCLAIM. */
export interface ClaimArguments {
  readonly key: string
  readonly group: string
  readonly consumer: string
  readonly minIdleMillis: number
  readonly ids: ReadonlyArray<string>
  /** `JUSTID`: do not count a delivery. */
  readonly justId: boolean
  /** `IDLE ms`: the idle time the claimed entries get. */
  readonly idleMillis: number | undefined
}

/** `XCLAIM key group consumer min-idle id... [IDLE ms] [JUSTID]`. */
export const xclaim = (store: Store, args: ClaimArguments, now: number): Array<StoredEntry> => {
  const target = requireGroup(store, args.key, args.group, now)
  const idle = minIdle(args.minIdleMillis, "XCLAIM")
  // Redis reads IDs until one does not parse and takes the rest for options, which this one is not.
  const parsed = args.ids.map((id) => {
    try {
      return parseStrictId(id)
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error
      throw err(`Unrecognized XCLAIM option '${id}'`)
    }
  })
  let deliveryTime = now
  if (args.idleMillis !== undefined) {
    const requested = int64Argument(args.idleMillis, () => err("Invalid IDLE option argument for XCLAIM"))
    // Redis takes a delivery time in the future for now rather than failing. It does the same with a
    // time before the epoch, which only a clock near the epoch can give (a TestClock at 0): there the
    // idle time asked for is kept, so that tests see what a real clock would give.
    const time = BigInt(now) - requested
    if (time <= BigInt(now)) deliveryTime = Number(time)
  }
  return target.group.claim(target.stream, args.consumer, parsed, {
    minIdle: idle,
    deliveryTime,
    countDelivery: !args.justId,
    now
  })
}

const maxAutoClaimCount = (2n ** 63n - 1n) / 16n

/** `XAUTOCLAIM key group consumer min-idle start [COUNT n]` (COUNT defaults to 100). */
export const xautoclaim = (
  store: Store,
  key: string,
  group: string,
  consumer: string,
  minIdleMillis: number,
  start: string,
  count: number | undefined,
  now: number
): AutoClaimResult => {
  const idle = minIdle(minIdleMillis, "XAUTOCLAIM")
  const from = parseRangeStart(start)
  let limit = 100
  if (count !== undefined) {
    const invalid = () => err("COUNT must be > 0")
    const requested = int64Argument(count, invalid)
    // Redis also refuses a count whose scan budget (count * 10 attempts) could overflow.
    if (requested < 1n || requested > maxAutoClaimCount) throw invalid()
    limit = Number(requested)
  }
  const target = requireGroup(store, key, group, now)
  const result = target.group.autoClaim(target.stream, consumer, idle, from, limit, now)
  return {
    next: formatId(result.next),
    entries: result.claimed.map(entryReply),
    deletedIds: result.deleted.map(formatId)
  }
}

/** `XPENDING key group`: the summary. */
export const xpending = (store: Store, key: string, group: string, now: number): PendingSummary => {
  const { group: consumerGroup } = requireGroup(store, key, group, now)
  const pending = consumerGroup.pending
  if (pending.size === 0) return { count: 0, smallestId: null, largestId: null, consumers: [] }
  return {
    count: pending.size,
    smallestId: formatId(pending.first()!),
    largestId: formatId(pending.last()!),
    consumers: consumerGroup
      .sortedConsumers()
      .filter((consumer) => consumer.pending.size > 0)
      .map((consumer) => ({ name: consumer.name, count: consumer.pending.size }))
  }
}

/** `XPENDING key group [IDLE ms] start end count [consumer]`. */
export const xpendingRange = (
  store: Store,
  key: string,
  group: string,
  range: PendingRange,
  now: number
): ReadonlyArray<PendingEntry> => {
  const idle = range.minIdleMillis === undefined ? 0 : Number(int64Argument(range.minIdleMillis))
  const count = int64Argument(range.count)
  const start = parseRangeStart(range.start)
  const end = parseRangeEnd(range.end)
  const { group: consumerGroup } = requireGroup(store, key, group, now)
  return consumerGroup
    .pendingRange({
      start,
      end,
      count: count < 0n ? 0 : Number(count),
      consumer: range.consumer,
      minIdle: idle,
      now
    })
    .map((pending) => ({
      id: formatId(pending.id),
      consumer: pending.consumer.name,
      idleMillis: pending.idle,
      deliveries: pending.deliveryCount
    }))
}

/** `XGROUP CREATE key group id [MKSTREAM]`; `$` is the stream's last ID. */
export const xgroupCreate = (
  store: Store,
  key: string,
  group: string,
  id: string,
  mkStream: boolean,
  now: number
): void => {
  let stream = store.keyspace.stream(key, now)
  if (stream === undefined && !mkStream) throw keyMustExist()
  const lastId = id === "$" ? (stream?.lastId ?? minId) : parseStrictId(id)
  stream ??= store.keyspace.addStream(key)
  if (stream.groups.has(group)) throw new ReplyError("BUSYGROUP Consumer Group name already exists")
  stream.groups.set(group, new ConsumerGroup(lastId))
}

/** `XGROUP DESTROY`: whether the group existed. */
export const xgroupDestroy = (store: Store, key: string, group: string, now: number): boolean => {
  if (!requireKey(store, key, now).groups.delete(group)) return false
  // Readers blocked on the group learn at once that it is gone (NOGROUP).
  store.signal(key)
  return true
}

/** `XGROUP CREATECONSUMER`: whether the consumer is new. */
export const xgroupCreateConsumer = (store: Store, key: string, group: string, consumer: string, now: number) =>
  requireNamedGroup(store, key, group, now).createConsumer(consumer, now)

/**
 * Not a Redis command: deletes the consumer only if nothing is pending for
 * it, as the Redis layer's script does (`false` when the key, the group or
 * the consumer does not exist; `WRONGTYPE` passed on).
 */
export const xgroupDelConsumerIfNoPending = (
  store: Store,
  key: string,
  group: string,
  consumer: string,
  now: number
): boolean => {
  const consumerGroup = store.keyspace.stream(key, now)?.groups.get(group)
  if (consumerGroup?.consumers.get(consumer)?.pending.size !== 0) return false
  consumerGroup.deleteConsumer(consumer)
  return true
}

/** `XINFO GROUPS`, in the order of the group names' bytes. */
export const xinfoGroups = (store: Store, key: string, now: number): ReadonlyArray<GroupInfo> => {
  const stream = requireInfoKey(store, key, now)
  return [...stream.groups]
    .sort(([a], [b]) => compareNames(a, b))
    .map(([name, group]) => ({
      name,
      consumers: group.consumers.size,
      pending: group.pending.size,
      lastDeliveredId: formatId(group.lastId),
      entriesRead: group.entriesRead ?? null,
      lag: group.lag(stream) ?? null
    }))
}

/** `XINFO CONSUMERS`: idle time is the time since the consumer was last seen. */
export const xinfoConsumers = (store: Store, key: string, group: string, now: number): ReadonlyArray<ConsumerInfo> => {
  const consumerGroup = requireInfoKey(store, key, now).groups.get(group)
  if (consumerGroup === undefined) throw noSuchGroup(key, group)
  return consumerGroup.sortedConsumers().map((consumer) => ({
    name: consumer.name,
    pending: consumer.pending.size,
    idleMillis: Math.max(0, now - consumer.seenTime)
  }))
}
