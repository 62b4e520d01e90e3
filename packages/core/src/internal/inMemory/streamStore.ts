/**
 * One stream: its entries, kept like Redis keeps them in nodes (listpacks) so
 * that approximate trimming removes exactly what Redis removes, its last
 * generated ID, and its consumer groups.
 *
 * A node holds at most 100 entries, counting entries deleted from it, and
 * about 4096 bytes (see `listpack.ts`). Deleting entries only marks them; a
 * node whose entries are all deleted goes away.
 *
 * @internal
 */
import type { ConsumerGroup } from "./consumerGroups.js"
import { compareIds, idsEqual, maxId, minId, type StreamId } from "./ids.js"
import { emptyListpackBytes, entryBytes, masterEntryBytes } from "./listpack.js"

/** `stream-node-max-entries` and `stream-node-max-bytes` at their defaults. */
const nodeMaxEntries = 100
const nodeMaxBytes = 4096

/** Approximate trimming removes at most this many entries per call (Redis: 100 nodes' worth). */
const approximateTrimLimit = 100 * nodeMaxEntries

/** An entry's field/value pairs as stored: values are the store's own bytes. */
export type StoredFields = ReadonlyArray<readonly [field: string, value: Uint8Array]>

/** An entry in a node; a deleted one stays as a tombstone until its node goes. */
export interface StoredEntry {
  readonly id: StreamId
  readonly fields: StoredFields
  deleted: boolean
}

interface StreamNode {
  readonly masterId: StreamId
  readonly masterNames: ReadonlyArray<Uint8Array>
  readonly entries: Array<StoredEntry>
  live: number
  bytes: number
}

const encoder = new TextEncoder()

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i])

/** The value of a stream key. */
export class Stream {
  /** Nodes in ID order; every node holds at least one live entry. */
  private readonly nodes: Array<StreamNode> = []
  length = 0
  lastId: StreamId = minId
  /** Every entry ever appended (Redis's `entries_added`), for consumer groups' lag. */
  entriesAdded = 0
  /** The highest ID `XDEL` deleted (Redis's `max_deleted_entry_id`; trimming does not count). */
  maxDeletedId: StreamId = minId
  readonly groups = new Map<string, ConsumerGroup>()

  /** Appends an entry whose ID the caller has checked to be above `lastId`. */
  append(id: StreamId, fields: StoredFields): void {
    const names = fields.map(([name]) => encoder.encode(name))
    const values = fields.map(([, value]) => value)
    const elementBytes =
      names.reduce((sum, name) => sum + name.length, 0) + values.reduce((sum, value) => sum + value.length, 0)
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1]
    if (node !== undefined && (node.bytes + elementBytes >= nodeMaxBytes || node.entries.length >= nodeMaxEntries)) {
      node = undefined
    }
    if (node === undefined) {
      node = {
        masterId: id,
        masterNames: names,
        entries: [],
        live: 0,
        bytes: emptyListpackBytes + masterEntryBytes(names)
      }
      this.nodes.push(node)
    }
    const master = node.masterNames
    const sameFields = names.length === master.length && names.every((name, i) => sameBytes(name, master[i]!))
    node.bytes += entryBytes({
      ms: id.ms,
      seq: id.seq,
      masterMs: node.masterId.ms,
      masterSeq: node.masterId.seq,
      names,
      values,
      sameFields
    })
    node.entries.push({ id, fields, deleted: false })
    node.live++
    this.length++
    this.entriesAdded++
    this.lastId = id
  }

  /**
   * `MAXLEN [~] maxLen`, as Redis's `streamTrim`: whole nodes go from the head
   * while at least `maxLen` entries remain; an exact trim then marks entries
   * of the next node deleted. Returns the number of entries removed.
   */
  trim(maxLen: number, approximate: boolean): number {
    let removed = 0
    while (this.nodes.length > 0 && this.length > maxLen) {
      const node = this.nodes[0]!
      if (approximate && removed + node.live > approximateTrimLimit) break
      if (this.length - node.live >= maxLen) {
        this.nodes.shift()
        this.length -= node.live
        removed += node.live
        continue
      }
      if (approximate) break
      for (const entry of node.entries) {
        if (this.length <= maxLen) break
        if (!entry.deleted) {
          entry.deleted = true
          node.live--
          this.length--
          removed++
        }
      }
      break
    }
    return removed
  }

  /** `XDEL` of one ID; whether a live entry was deleted. */
  delete(id: StreamId): boolean {
    const nodeIndex = this.nodeIndexFor(id)
    const node = this.nodes[nodeIndex]
    const entry = node === undefined ? undefined : findInNode(node, id)
    if (node === undefined || entry === undefined || entry.deleted) return false
    entry.deleted = true
    node.live--
    this.length--
    if (node.live === 0) this.nodes.splice(nodeIndex, 1)
    if (compareIds(id, this.maxDeletedId) > 0) this.maxDeletedId = id
    return true
  }

  /** The ID of the first live entry (Redis's `first_id`). */
  firstLiveId(): StreamId | undefined {
    return this.nodes[0]?.entries.find((entry) => !entry.deleted)?.id
  }

  /**
   * Redis 7.0's `streamRangeHasTombstones(s, from, NULL)`: whether an entry
   * at or after `from` may have been deleted by `XDEL`, which makes counting
   * entries by `entriesAdded` unreliable.
   */
  hasTombstonesFrom(from: StreamId): boolean {
    const first = this.firstLiveId()
    if (this.length === 0 || first === undefined || idsEqual(this.maxDeletedId, minId)) return false
    if (compareIds(first, this.maxDeletedId) > 0) return false
    return compareIds(from, this.maxDeletedId) <= 0
  }

  /**
   * Redis 7.0's `streamEstimateDistanceFromFirstEverEntry`: how many entries
   * were added up to and including `id`, or `undefined` when it cannot tell.
   */
  entriesUpTo(id: StreamId): number | undefined {
    if (this.entriesAdded === 0) return 0
    if (this.length === 0 && compareIds(id, this.lastId) < 1) return this.entriesAdded
    const toLast = compareIds(id, this.lastId)
    if (toLast === 0) return this.entriesAdded
    if (toLast > 0) return undefined
    const first = this.firstLiveId() ?? maxId
    const toFirst = compareIds(id, first)
    if (idsEqual(this.maxDeletedId, minId) || compareIds(this.maxDeletedId, first) < 0) {
      if (toFirst < 0) return this.entriesAdded - this.length
      if (toFirst === 0) return this.entriesAdded - this.length + 1
    }
    return undefined
  }

  /** The live entry with this ID. */
  find(id: StreamId): StoredEntry | undefined {
    const node = this.nodes[this.nodeIndexFor(id)]
    const entry = node === undefined ? undefined : findInNode(node, id)
    return entry === undefined || entry.deleted ? undefined : entry
  }

  /** Live entries from `start` to `end` inclusive, at most `count` of them (0: no limit), in ID order or reversed. */
  range(start: StreamId, end: StreamId, count: number, reverse: boolean): Array<StoredEntry> {
    const result: Array<StoredEntry> = []
    if (compareIds(start, end) > 0) return result
    const full = () => count > 0 && result.length >= count
    if (!reverse) {
      for (let n = Math.max(0, this.nodeIndexFor(start)); n < this.nodes.length; n++) {
        const entries = this.nodes[n]!.entries
        for (let i = firstAtOrAfter(entries, start); i < entries.length; i++) {
          const entry = entries[i]!
          if (compareIds(entry.id, end) > 0 || full()) return result
          if (!entry.deleted) result.push(entry)
        }
      }
    } else {
      for (let n = this.nodeIndexFor(end); n >= 0; n--) {
        const entries = this.nodes[n]!.entries
        for (let i = firstAtOrAfter(entries, end, true) - 1; i >= 0; i--) {
          const entry = entries[i]!
          if (compareIds(entry.id, start) < 0 || full()) return result
          if (!entry.deleted) result.push(entry)
        }
      }
    }
    return result
  }

  /** The ID of the last live entry (Redis's `streamLastValidID`). */
  lastLiveId(): StreamId | undefined {
    const node = this.nodes[this.nodes.length - 1]
    return node?.entries.findLast((entry) => !entry.deleted)?.id
  }

  /** The index of the node that would hold `id`: the last one whose master ID is not above it (-1 if none). */
  private nodeIndexFor(id: StreamId): number {
    let low = 0
    let high = this.nodes.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareIds(this.nodes[middle]!.masterId, id) <= 0) low = middle + 1
      else high = middle
    }
    return low - 1
  }
}

/** The index of the first entry at or after `id` (after it, when `after`). */
const firstAtOrAfter = (entries: ReadonlyArray<StoredEntry>, id: StreamId, after = false): number => {
  let low = 0
  let high = entries.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const order = compareIds(entries[middle]!.id, id)
    if (order < 0 || (after && order === 0)) low = middle + 1
    else high = middle
  }
  return low
}

const findInNode = (node: StreamNode, id: StreamId): StoredEntry | undefined => {
  const entry = node.entries[firstAtOrAfter(node.entries, id)]
  return entry !== undefined && compareIds(entry.id, id) === 0 ? entry : undefined
}
