/**
 * The keyspace: keys holding strings, hashes or streams, key expiry, and the
 * key commands (`DEL`, `EXISTS`, `PEXPIRE`, `PTTL`, `SET`, `GET`, `HSET`,
 * `HGET`, `HGETALL`, `HDEL`, `HINCRBY`).
 *
 * Expiry is checked when a key is accessed, as Redis does lazily: a key
 * whose time has passed (`now > expireAt`) is deleted on its next access and
 * is never visible to clients. Redis also expires keys in the background;
 * the only place where that shows is a blocked `XREADGROUP`, which
 * `blocking.ts` handles by checking its keys' expiry while it waits.
 *
 * @internal
 */
import type { ExpireCondition, SetOptions } from "../../RedisClient.js"
import { decodeUtf8 } from "../utf8.js"
import { err, expiryOverflows, int64Argument, parseInt64, wrongType } from "./replies.js"
import { Stream } from "./streamStore.js"

/** What a key holds. */
export type Value =
  | { readonly type: "string"; readonly text: string }
  | { readonly type: "hash"; readonly fields: Map<string, string> }
  | { readonly type: "stream"; readonly stream: Stream }

interface Slot {
  readonly value: Value
  /** Epoch milliseconds, exact over Redis's whole 64-bit range (a number would round far expiries). */
  expireAt: bigint | undefined
}

/** What blocked readers need to hear about. */
export interface KeyspaceListener {
  /** A key holding a stream was deleted, expired, or overwritten by another value. */
  readonly streamRemoved: (key: string) => void
  /** A key got a new expiry time. */
  readonly expiryChanged: (key: string) => void
}

const encoder = new TextEncoder()

/**
 * Text as it comes back from Redis: sent as UTF-8 and decoded again, so that
 * lone surrogates turn into U+FFFD here as they do over the wire.
 */
export const overTheWire = (text: string): string => decodeUtf8(encoder.encode(text))

/** All keys of the store, with their values and expiry times. */
export class Keyspace {
  private readonly slots = new Map<string, Slot>()

  constructor(private readonly listener: KeyspaceListener) {}

  /** The value at `key`, deleting it first when it has expired. */
  lookup(key: string, now: number): Value | undefined {
    return this.slot(key, now)?.value
  }

  /** The stream at `key`; `WRONGTYPE` when the key holds something else. */
  stream(key: string, now: number): Stream | undefined {
    const value = this.lookup(key, now)
    if (value === undefined) return undefined
    if (value.type !== "stream") throw wrongType()
    return value.stream
  }

  /** Creates an empty stream at a key known to be free. */
  addStream(key: string): Stream {
    const stream = new Stream()
    this.slots.set(key, { value: { type: "stream", stream }, expireAt: undefined })
    return stream
  }

  /**
   * Expires whichever of `keys` are past their time, and returns the earliest
   * expiry time still ahead among them.
   */
  nextExpiry(keys: ReadonlyArray<string>, now: number): number | undefined {
    let earliest: bigint | undefined
    for (const key of keys) {
      const expireAt = this.slot(key, now)?.expireAt
      if (expireAt !== undefined && (earliest === undefined || expireAt < earliest)) earliest = expireAt
    }
    return earliest === undefined ? undefined : Number(earliest)
  }

  del(keys: ReadonlyArray<string>, now: number): number {
    let removed = 0
    for (const key of keys) {
      if (this.slot(key, now) !== undefined) {
        this.remove(key)
        removed++
      }
    }
    return removed
  }

  /** Every live key with the type of its value, expired keys deleted first. */
  entries(now: number): Array<readonly [key: string, type: Value["type"]]> {
    const result: Array<readonly [string, Value["type"]]> = []
    for (const key of [...this.slots.keys()]) {
      const value = this.lookup(key, now)
      if (value !== undefined) result.push([key, value.type])
    }
    return result
  }

  /** `EXISTS`: a key named twice counts twice. */
  exists(keys: ReadonlyArray<string>, now: number): number {
    return keys.filter((key) => this.slot(key, now) !== undefined).length
  }

  pexpire(key: string, millis: number, condition: ExpireCondition | undefined, now: number): boolean {
    const amount = int64Argument(millis)
    if (expiryOverflows(amount, now)) throw err("invalid expire time in 'pexpire' command")
    const when = BigInt(now) + amount
    const slot = this.slot(key, now)
    if (slot === undefined) return false
    const current = slot.expireAt
    // A key without expiry counts as expiring never: later than any time.
    if (condition === "NX" && current !== undefined) return false
    if (condition === "XX" && current === undefined) return false
    if (condition === "GT" && (current === undefined || when <= current)) return false
    if (condition === "LT" && current !== undefined && when >= current) return false
    if (when <= BigInt(now)) {
      this.remove(key)
      return true
    }
    slot.expireAt = when
    this.listener.expiryChanged(key)
    return true
  }

  pttl(key: string, now: number): number {
    const slot = this.slot(key, now)
    if (slot === undefined) return -2
    return slot.expireAt === undefined ? -1 : Math.max(0, Number(slot.expireAt - BigInt(now)))
  }

  set(key: string, text: string, options: SetOptions | undefined, now: number): boolean {
    let expireAt: bigint | undefined
    if (options?.expireMillis !== undefined) {
      const millis = int64Argument(options.expireMillis)
      if (millis <= 0n || expiryOverflows(millis, now)) throw err("invalid expire time in 'set' command")
      expireAt = BigInt(now) + millis
    }
    const previous = this.slot(key, now)
    if (options?.onlyIfMissing === true && previous !== undefined) return false
    this.slots.set(key, { value: { type: "string", text: overTheWire(text) }, expireAt })
    if (previous?.value.type === "stream") this.listener.streamRemoved(key)
    if (expireAt !== undefined) this.listener.expiryChanged(key)
    return true
  }

  get(key: string, now: number): string | null {
    const value = this.lookup(key, now)
    if (value === undefined) return null
    if (value.type !== "string") throw wrongType()
    return value.text
  }

  hset(key: string, field: string, text: string, now: number): number {
    let fields = this.hash(key, now)
    if (fields === undefined) {
      fields = new Map()
      this.slots.set(key, { value: { type: "hash", fields }, expireAt: undefined })
    }
    const name = overTheWire(field)
    const added = fields.has(name) ? 0 : 1
    fields.set(name, overTheWire(text))
    return added
  }

  hget(key: string, field: string, now: number): string | null {
    return this.hash(key, now)?.get(overTheWire(field)) ?? null
  }

  /** `HINCRBY`: the field's new value; a missing hash or field counts as 0. */
  hincrby(key: string, field: string, delta: bigint, now: number): bigint {
    const current = this.hash(key, now)?.get(overTheWire(field))
    const base = current === undefined ? 0n : parseInt64(current)
    if (base === undefined) throw err("hash value is not an integer")
    const result = base + delta
    if (result !== BigInt.asIntN(64, result)) throw err("increment or decrement would overflow")
    this.hset(key, field, String(result), now)
    return result
  }

  hgetall(key: string, now: number): Record<string, string> {
    return Object.fromEntries(this.hash(key, now) ?? [])
  }

  hdel(key: string, fields: ReadonlyArray<string>, now: number): number {
    const hash = this.hash(key, now)
    if (hash === undefined) return 0
    const removed = fields.filter((field) => hash.delete(overTheWire(field))).length
    // Redis deletes a hash whose last field goes.
    if (hash.size === 0) this.remove(key)
    return removed
  }

  private hash(key: string, now: number): Map<string, string> | undefined {
    const value = this.lookup(key, now)
    if (value === undefined) return undefined
    if (value.type !== "hash") throw wrongType()
    return value.fields
  }

  private slot(key: string, now: number): Slot | undefined {
    const slot = this.slots.get(key)
    if (slot?.expireAt !== undefined && BigInt(now) > slot.expireAt) {
      this.remove(key)
      return undefined
    }
    return slot
  }

  private remove(key: string): void {
    const slot = this.slots.get(key)
    this.slots.delete(key)
    if (slot?.value.type === "stream") this.listener.streamRemoved(key)
  }
}
