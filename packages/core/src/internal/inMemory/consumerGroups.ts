/**
 * Consumer groups: the last delivered ID, the pending entries list (PEL)
 * with delivery counts and times, and the consumers with their own PELs and
 * "seen" times, following Redis 7.0's `t_stream.c`.
 *
 * When a consumer counts as seen matters to `XINFO CONSUMERS`: Redis 7.0
 * refreshes it when the consumer is created or looked up to be served (a
 * read that returns entries or history, a claim that claims something), and
 * not on reads that find nothing new, on `XPENDING`, or on `XGROUP
 * CREATECONSUMER` of an existing consumer.
 *
 * @internal
 */
import { IdMap } from "./idMap.js"
import { compareIds, incrementId, maxId, minId, type StreamId } from "./ids.js"
import type { StoredEntry, Stream } from "./streamStore.js"

/** An entry of a pending list: delivered to `consumer`, not acknowledged yet. */
export interface PendingEntry {
  readonly id: StreamId
  consumer: Consumer
  deliveryTime: number
  deliveryCount: number
}

/** A consumer of a group, with its own pending list (shared entries with the group's). */
export interface Consumer {
  readonly name: string
  seenTime: number
  readonly pending: IdMap<PendingEntry>
}

/** A pending entry whose stream entry is gone, as a history read reports it. */
export interface DeletedMarker {
  readonly id: StreamId
  readonly fields: null
}

const encoder = new TextEncoder()

/** Redis lists groups and consumers from radix trees: in byte order of their names. */
export const compareNames = (a: string, b: string): number => {
  const left = encoder.encode(a)
  const right = encoder.encode(b)
  const length = Math.min(left.length, right.length)
  for (let i = 0; i < length; i++) {
    if (left[i] !== right[i]) return left[i]! - right[i]!
  }
  return left.length - right.length
}

/** One consumer group of a stream. */
export class ConsumerGroup {
  readonly pending = new IdMap<PendingEntry>()
  readonly consumers = new Map<string, Consumer>()

  /**
   * How many of the stream's entries the group has read (Redis's
   * `entries_read`), `undefined` when unknown (after `CREATE` or `SETID`
   * without `ENTRIESREAD`, or a read past entries deleted by `XDEL`).
   */
  entriesRead: number | undefined = undefined

  constructor(public lastId: StreamId) {}

  /** `XINFO GROUPS`'s `lag`, as Redis 7.0 computes it; `undefined` when it cannot tell. */
  lag(stream: Stream): number | undefined {
    if (stream.entriesAdded === 0) return 0
    if (this.entriesRead !== undefined && !stream.hasTombstonesFrom(this.lastId)) {
      return stream.entriesAdded - this.entriesRead
    }
    const read = stream.entriesUpTo(this.lastId)
    return read === undefined ? undefined : stream.entriesAdded - read
  }

  /** Moves the last delivered ID forward to `id`, counting the read as Redis 7.0 does. */
  private advanceTo(stream: Stream, id: StreamId): void {
    if (this.entriesRead !== undefined && !stream.hasTombstonesFrom(id)) this.entriesRead++
    else if (stream.entriesAdded > 0) this.entriesRead = stream.entriesUpTo(id)
    this.lastId = id
  }

  /** Redis's `XGROUP CREATECONSUMER`: whether the consumer is new. */
  createConsumer(name: string, now: number): boolean {
    if (this.consumers.has(name)) return false
    this.consumers.set(name, { name, seenTime: now, pending: new IdMap() })
    return true
  }

  /** The consumer about to be served, created if needed and marked as seen. */
  consumerToServe(name: string, now: number): Consumer {
    this.createConsumer(name, now)
    const consumer = this.consumers.get(name)!
    consumer.seenTime = now
    return consumer
  }

  /** Drops the consumer and its pending entries (as `XGROUP DELCONSUMER` does); returns how many it had. */
  deleteConsumer(name: string): number {
    const consumer = this.consumers.get(name)
    if (consumer === undefined) return 0
    const count = consumer.pending.size
    for (let i = 0; i < count; i++) this.pending.delete(consumer.pending.idAt(i))
    this.consumers.delete(name)
    return count
  }

  /**
   * `XREADGROUP ... >`: entries after the last delivered ID. Without `noAck`
   * each becomes pending for the consumer. (None can be pending already: the
   * service has no `XGROUP SETID` to move the last delivered ID back.)
   */
  deliverNew(stream: Stream, consumerName: string, count: number, noAck: boolean, now: number): Array<StoredEntry> {
    const start = incrementId(this.lastId)
    if (start === undefined) return []
    const consumer = this.consumerToServe(consumerName, now)
    const entries = stream.range(start, maxId, count, false)
    for (const entry of entries) {
      if (compareIds(entry.id, this.lastId) > 0) this.advanceTo(stream, entry.id)
      if (noAck) continue
      const pending: PendingEntry = { id: entry.id, consumer, deliveryTime: now, deliveryCount: 1 }
      this.pending.set(entry.id, pending)
      consumer.pending.set(entry.id, pending)
    }
    return entries
  }

  /**
   * `XREADGROUP` with an ID: the consumer's own pending entries after `start`.
   * Each one still in the stream counts as delivered again; deleted ones come
   * back without fields and stay pending untouched.
   */
  readHistory(
    stream: Stream,
    consumerName: string,
    start: StreamId,
    count: number,
    now: number
  ): Array<StoredEntry | DeletedMarker> {
    const consumer = this.consumerToServe(consumerName, now)
    const result: Array<StoredEntry | DeletedMarker> = []
    for (let i = consumer.pending.seek(start); i < consumer.pending.size; i++) {
      if (count > 0 && result.length >= count) break
      const pending = consumer.pending.valueAt(i)
      const entry = stream.find(pending.id)
      if (entry === undefined) {
        result.push({ id: pending.id, fields: null })
      } else {
        pending.deliveryTime = now
        pending.deliveryCount++
        result.push(entry)
      }
    }
    return result
  }

  /** `XACK`: how many of the IDs were pending. */
  acknowledge(ids: ReadonlyArray<StreamId>): number {
    let acknowledged = 0
    for (const id of ids) {
      const pending = this.pending.get(id)
      if (pending === undefined) continue
      this.drop(pending)
      acknowledged++
    }
    return acknowledged
  }

  /**
   * `XCLAIM`: each ID pending for at least `minIdle` ms moves to the consumer
   * with its delivery time set to `deliveryTime` (now, unless `IDLE` said
   * otherwise) and, unless `JUSTID`, its delivery count incremented. Pending
   * IDs whose entries were deleted leave the PEL. The consumer is created
   * only when it claims something.
   */
  claim(
    stream: Stream,
    consumerName: string,
    ids: ReadonlyArray<StreamId>,
    options: {
      readonly minIdle: number
      readonly deliveryTime: number
      readonly countDelivery: boolean
      readonly now: number
    }
  ): Array<StoredEntry> {
    const { minIdle, now } = options
    const claimed: Array<StoredEntry> = []
    for (const id of ids) {
      const pending = this.pending.get(id)
      const entry = stream.find(id)
      if (entry === undefined) {
        if (pending !== undefined) this.drop(pending)
        continue
      }
      if (pending === undefined || (minIdle > 0 && now - pending.deliveryTime < minIdle)) continue
      this.takeOver(pending, consumerName, now, options.deliveryTime, options.countDelivery)
      claimed.push(entry)
    }
    return claimed
  }

  /**
   * `XAUTOCLAIM`: scans the PEL from `start`, examining at most `count * 10`
   * entries, until `count` entries are claimed or found deleted (Redis 7.0.15
   * counts both). `next` is the first pending ID after the last one examined,
   * `0-0` at the end.
   */
  autoClaim(
    stream: Stream,
    consumerName: string,
    minIdle: number,
    start: StreamId,
    count: number,
    now: number
  ): { readonly next: StreamId; readonly claimed: Array<StoredEntry>; readonly deleted: Array<StreamId> } {
    const claimed: Array<StoredEntry> = []
    const deleted: Array<StreamId> = []
    let attempts = count * 10
    let remaining = count
    let index = this.pending.seek(start)
    while (attempts-- > 0 && remaining > 0 && index < this.pending.size) {
      const pending = this.pending.valueAt(index)
      const entry = stream.find(pending.id)
      if (entry === undefined) {
        // Dropping it moves the next pending entry to this index.
        this.drop(pending)
        deleted.push(pending.id)
        remaining--
        continue
      }
      index++
      if (minIdle > 0 && now - pending.deliveryTime < minIdle) continue
      this.takeOver(pending, consumerName, now, now, true)
      claimed.push(entry)
      remaining--
    }
    const next = index < this.pending.size ? this.pending.idAt(index) : minId
    return { next, claimed, deleted }
  }

  /** `XPENDING key group [IDLE ms] start end count [consumer]`. */
  pendingRange(options: {
    readonly start: StreamId
    readonly end: StreamId
    readonly count: number
    readonly consumer: string | undefined
    readonly minIdle: number
    readonly now: number
  }): Array<PendingEntry & { readonly idle: number }> {
    const { end, minIdle, now } = options
    let pel = this.pending
    if (options.consumer !== undefined) {
      const consumer = this.consumers.get(options.consumer)
      if (consumer === undefined) return []
      pel = consumer.pending
    }
    const result: Array<PendingEntry & { readonly idle: number }> = []
    for (let i = pel.seek(options.start); i < pel.size && result.length < options.count; i++) {
      const pending = pel.valueAt(i)
      if (compareIds(pending.id, end) > 0) break
      const idle = now - pending.deliveryTime
      if (minIdle !== 0 && idle < minIdle) continue
      result.push({ ...pending, idle: Math.max(0, idle) })
    }
    return result
  }

  /** Consumers in the order Redis lists them. */
  sortedConsumers(): Array<Consumer> {
    return [...this.consumers.values()].sort((a, b) => compareNames(a.name, b.name))
  }

  private takeOver(
    pending: PendingEntry,
    consumerName: string,
    now: number,
    deliveryTime: number,
    countDelivery: boolean
  ): void {
    this.moveTo(pending, this.consumerToServe(consumerName, now))
    pending.deliveryTime = deliveryTime
    if (countDelivery) pending.deliveryCount++
  }

  private moveTo(pending: PendingEntry, consumer: Consumer): void {
    if (pending.consumer === consumer) return
    pending.consumer.pending.delete(pending.id)
    pending.consumer = consumer
    consumer.pending.set(pending.id, pending)
  }

  private drop(pending: PendingEntry): void {
    this.pending.delete(pending.id)
    pending.consumer.pending.delete(pending.id)
  }
}
