/**
 * `RedisClient` is the one service effect-pulse needs: a narrow, typed surface
 * over the Redis commands that streams, readers and sinks use. Two layers
 * provide it: `RedisLayer` (from `@effect-pulse/redis-layer`, over ioredis)
 * and `InMemoryRedis.layer` (in memory, for tests and demos).
 *
 * Every method fails only with a `RedisError`. Replies are decoded into plain
 * values; stream field values stay bytes (`Uint8Array`) end to end.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   const id = yield* redis.xadd("pulse:stream:orders", [["n", "created"], ["p", "{}"]])
 *   return yield* redis.xrange("pulse:stream:orders", "-", "+")
 * }).pipe(Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import { Context } from "effect"
import type { RedisConnectionError, RedisError } from "./Errors.js"

/**
 * The field/value pairs of a stream entry, in the order Redis stores them.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const fields: RedisClient.Fields = [["n", new TextEncoder().encode("created")]]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = ReadonlyArray<readonly [field: string, value: Uint8Array]>

/**
 * Field/value pairs to write: values may be given as strings (UTF-8) or bytes.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const fields: RedisClient.FieldsInput = [["n", "created"], ["p", new Uint8Array([1, 2])]]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type FieldsInput = ReadonlyArray<readonly [field: string, value: Uint8Array | string]>

/**
 * One stream entry: its ID (`<milliseconds>-<sequence>`) and its fields.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const entry: RedisClient.StreamEntry = { id: "1700000000000-0", fields: [] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamEntry {
  readonly id: string
  readonly fields: Fields
}

/**
 * An entry of a consumer's pending list whose stream entry has since been
 * deleted: Redis reports it with no fields when a consumer re-reads its own
 * history (`XREADGROUP ... 0`).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const gone: RedisClient.DeletedEntry = { id: "1-0", fields: null }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface DeletedEntry {
  readonly id: string
  readonly fields: null
}

/**
 * The entries one read returned for one stream key.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const read: RedisClient.StreamRead = { key: "pulse:stream:orders", entries: [] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamRead<Entry = StreamEntry> {
  readonly key: string
  readonly entries: ReadonlyArray<Entry>
}

/**
 * A stream key and the ID to read after (`XREAD`), or `">"` / an ID for
 * `XREADGROUP`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const cursor: RedisClient.StreamCursor = { key: "pulse:stream:orders", id: "0-0" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamCursor {
  readonly key: string
  readonly id: string
}

/**
 * `MAXLEN` trimming: keep about (`approximate: true`, Redis's `~`) or exactly
 * `maxLen` entries.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const trim: RedisClient.Trim = { maxLen: 1000, approximate: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Trim {
  readonly maxLen: number
  readonly approximate: boolean
}

/**
 * Options of `XADD`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const options: RedisClient.AddOptions = { trim: { maxLen: 1000, approximate: true }, noMkStream: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AddOptions {
  /** The entry ID; `"*"` (the default) lets Redis pick the next one. */
  readonly id?: string | undefined
  readonly trim?: Trim | undefined
  /** Do not create the stream: the add returns `null` when the key is missing. */
  readonly noMkStream?: boolean | undefined
  /** A `PEXPIRE` of the key in the same atomic step, after the add (none when nothing was added). */
  readonly expire?: Expiry | undefined
  /**
   * An idempotent add: when the string key `dedupe.key` exists, nothing is
   * added and its value (the entry ID the first add returned) is returned;
   * otherwise the add runs and, when it added an entry, `SET dedupe.key <id>
   * PX dedupe.windowMillis` follows, all in one atomic step. On a cluster the
   * two keys must share a slot.
   */
  readonly dedupe?: Dedupe | undefined
}

/**
 * The key and window of an idempotent add (see `AddOptions.dedupe`).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const once: RedisClient.Dedupe = { key: "pulse:added:{pulse:stream:orders}:orders:order-42", windowMillis: 300_000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Dedupe {
  readonly key: string
  readonly windowMillis: number
}

/**
 * A `PEXPIRE key millis [condition]` sent with an add, in one atomic step:
 * nothing runs between the add and the expiry. Redis does not undo the add
 * should the expiry fail, so give a valid one (`EventStream` checks `ttl`
 * and `slidingTtl` before anything is sent).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * // Set once, on the add that creates the key.
 * const expiry: RedisClient.Expiry = { millis: 86_400_000, condition: "NX" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Expiry {
  readonly millis: number
  readonly condition?: ExpireCondition | undefined
}

/**
 * Options of a non-blocking `XREAD`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const options: RedisClient.ReadOptions = { count: 100 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadOptions {
  readonly count?: number | undefined
}

/**
 * Options of a non-blocking `XREADGROUP`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const options: RedisClient.GroupReadOptions = { count: 100, noAck: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GroupReadOptions extends ReadOptions {
  readonly noAck?: boolean | undefined
}

/**
 * How long a blocking read waits for entries, in milliseconds; `0` waits
 * forever (until an entry arrives or the connection's scope closes).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const options: RedisClient.BlockOptions = { count: 100, blockMillis: 5000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockOptions extends ReadOptions {
  readonly blockMillis: number
}

/**
 * The reply of `XPENDING key group`: the group's pending list in summary.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const empty: RedisClient.PendingSummary = { count: 0, smallestId: null, largestId: null, consumers: [] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingSummary {
  readonly count: number
  readonly smallestId: string | null
  readonly largestId: string | null
  readonly consumers: ReadonlyArray<{ readonly name: string; readonly count: number }>
}

/**
 * One entry of a pending list (`XPENDING key group start end count`).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const pending: RedisClient.PendingEntry = { id: "1-0", consumer: "c1", idleMillis: 12, deliveries: 1 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingEntry {
  readonly id: string
  readonly consumer: string
  readonly idleMillis: number
  readonly deliveries: number
}

/**
 * The range query of `XPENDING`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const query: RedisClient.PendingRange = { start: "-", end: "+", count: 10, minIdleMillis: 20_000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingRange {
  readonly start: string
  readonly end: string
  readonly count: number
  readonly consumer?: string | undefined
  readonly minIdleMillis?: number | undefined
}

/**
 * The reply of `XAUTOCLAIM`: where the next scan starts (`"0-0"` when the scan
 * is complete), the entries now owned by the claiming consumer, and the IDs
 * that were pending but whose entries no longer exist (removed from the
 * pending list by the call).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const done: RedisClient.AutoClaimResult = { next: "0-0", entries: [], deletedIds: [] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AutoClaimResult {
  readonly next: string
  readonly entries: ReadonlyArray<StreamEntry>
  readonly deletedIds: ReadonlyArray<string>
}

/**
 * One consumer group, as `XINFO GROUPS` reports it. `entriesRead` (how many
 * of the stream's entries the group has read) and `lag` (how many it has
 * not read yet) are Redis 7's; `null` when Redis cannot tell, as after
 * `XDEL`s past the group's position.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const group: RedisClient.GroupInfo = {
 *   name: "billing",
 *   consumers: 2,
 *   pending: 0,
 *   lastDeliveredId: "0-0",
 *   entriesRead: null,
 *   lag: 0
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface GroupInfo {
  readonly name: string
  readonly consumers: number
  readonly pending: number
  readonly lastDeliveredId: string
  readonly entriesRead: number | null
  readonly lag: number | null
}

/**
 * One consumer of a group, as `XINFO CONSUMERS` reports it.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const consumer: RedisClient.ConsumerInfo = { name: "c1", pending: 3, idleMillis: 40 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumerInfo {
  readonly name: string
  readonly pending: number
  readonly idleMillis: number
}

/**
 * A stream's summary, as `XINFO STREAM` reports it.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const info: RedisClient.StreamInfo = { length: 0, lastGeneratedId: "0-0", entriesAdded: 0, groups: 0 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamInfo {
  readonly length: number
  readonly lastGeneratedId: string
  /** Every entry ever added to the stream, trimmed and deleted ones included (Redis 7). */
  readonly entriesAdded: number
  readonly groups: number
}

/**
 * Options of `SCAN`: a glob `match`, a `count` hint, and a `type` (`stream`,
 * `hash`, `string`, ...).
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const streams: RedisClient.ScanOptions = { match: "pulse:stream:*", count: 500, type: "stream" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ScanOptions {
  readonly match?: string | undefined
  readonly count?: number | undefined
  readonly type?: string | undefined
}

/**
 * One step of a `SCAN`: the cursor of the next step (`"0"` when the scan is
 * complete) and the keys this step found. A key present for the whole scan
 * is returned at least once; one may be returned more than once.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const done: RedisClient.ScanPage = { cursor: "0", keys: ["pulse:stream:orders"] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ScanPage {
  readonly cursor: string
  readonly keys: ReadonlyArray<string>
}

/**
 * Options of `SET`.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const lease: RedisClient.SetOptions = { onlyIfMissing: true, expireMillis: 5000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SetOptions {
  /** `NX`: set only when the key does not exist. */
  readonly onlyIfMissing?: boolean | undefined
  /** `PX`: expire the key after this many milliseconds. */
  readonly expireMillis?: number | undefined
}

/**
 * The condition of `PEXPIRE`: `NX` sets an expiry only on a key without one,
 * `XX` only on a key with one, `GT`/`LT` only when the new expiry is later /
 * earlier.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const once: RedisClient.ExpireCondition = "NX"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ExpireCondition = "NX" | "XX" | "GT" | "LT"

/**
 * The replies of the Lua scripts that `runScript` runs, by script name. They
 * are Go Pulse v1.6.5's own scripts, byte for byte (so that Redis caches one
 * copy under one SHA for both libraries), and their replies are Redis's
 * (`null` for nil, integers as numbers, bulk strings as text):
 *
 * - `mapSet`, `mapDelete`, `mapAppend`, `mapRemove`, `mapDestroy`: Go Pulse's
 *   replicated map (`rmap`) `Set`, `Delete`, `AppendValues`, `RemoveValues`
 *   and `Destroy`. `KEYS` are the map's content hash and its updates channel;
 *   `ARGV` starts with the map key (then the value, or the items). Each write
 *   bumps the hash's `=rev` field, sets `=kind`, and publishes the change.
 *   `mapSet` answers `[existed, previous ("" when none), revision]`,
 *   `mapDelete` the previous value, `mapAppend` the new JSON list,
 *   `mapRemove` `[remaining JSON list ("" when none is left) or the
 *   unchanged value, removed]`.
 * - `leaseAcquire`: the claim-check lease of Go Pulse's sinks. `KEYS[1]` is
 *   the lease, `ARGV` its new expiry (epoch ms), the current time (epoch ms)
 *   and its duration (ms): takes the lease when it is missing or has expired,
 *   answering 1, else 0.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const taken: RedisClient.ScriptReplies["leaseAcquire"] = 1
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ScriptReplies {
  readonly mapSet: readonly [existed: number, previous: string, revision: string]
  readonly mapDelete: string | null
  readonly mapAppend: string | null
  readonly mapRemove: readonly [value: string | null, removed: number]
  readonly mapDestroy: null
  readonly leaseAcquire: number
}

/**
 * The name of a script `runScript` knows.
 *
 * @example
 * ```ts
 * import type { RedisClient } from "@effect-pulse/core"
 *
 * const name: RedisClient.ScriptName = "mapSet"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ScriptName = keyof ScriptReplies

/**
 * A connection reserved for blocking reads, so that a read waiting on Redis
 * never holds up adds and acks on the shared connection. Closing the scope it
 * was acquired in aborts a read in progress at once, even one that blocks
 * forever. Interrupting the fiber of a blocked read aborts it as well.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 *
 * const waitForNext = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   const connection = yield* redis.blockingConnection
 *   return yield* connection.xread([{ key: "pulse:stream:orders", id: "$" }], { blockMillis: 0 })
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockingConnection {
  /** `XREAD [COUNT n] BLOCK ms STREAMS ...`; an empty array when the block timed out. */
  readonly xread: (
    streams: ReadonlyArray<StreamCursor>,
    options: BlockOptions
  ) => Effect.Effect<ReadonlyArray<StreamRead>, RedisError>
  /** `XREADGROUP GROUP g c [COUNT n] BLOCK ms [NOACK] STREAMS ...`; an empty array when the block timed out. */
  readonly xreadgroup: (
    group: string,
    consumer: string,
    streams: ReadonlyArray<StreamCursor>,
    options: BlockOptions & GroupReadOptions
  ) => Effect.Effect<ReadonlyArray<StreamRead<StreamEntry | DeletedEntry>>, RedisError>
}

/**
 * The Redis commands effect-pulse uses. Method names follow the Redis command
 * names so that a reader who knows Redis knows the service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 *
 * const lastId = (key: string) =>
 *   RedisClient.RedisClient.use((redis) => redis.xinfoStream(key)).pipe(
 *     Effect.map((info) => info.lastGeneratedId)
 *   )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `XADD` (and its `expire`, atomically); `null` only when `noMkStream` is set and the key does not exist. */
  readonly xadd: (key: string, fields: FieldsInput, options?: AddOptions) => Effect.Effect<string | null, RedisError>
  /**
   * Many `XADD`s to one key in a single round trip, each with the same trim,
   * as if sent one after the other with nothing in between, then the
   * `expire` if given, in the same atomic step; returns the IDs in order. An
   * empty batch sends nothing and returns `[]`.
   */
  readonly xaddAll: (
    key: string,
    entries: ReadonlyArray<FieldsInput>,
    options?: { readonly trim?: Trim | undefined; readonly expire?: Expiry | undefined }
  ) => Effect.Effect<ReadonlyArray<string>, RedisError>
  /** `XRANGE key start end [COUNT n]`. */
  readonly xrange: (
    key: string,
    start: string,
    end: string,
    count?: number
  ) => Effect.Effect<ReadonlyArray<StreamEntry>, RedisError>
  /** `XREVRANGE key end start [COUNT n]`: entries from `end` down to `start`, newest first. */
  readonly xrevrange: (
    key: string,
    end: string,
    start: string,
    count?: number
  ) => Effect.Effect<ReadonlyArray<StreamEntry>, RedisError>
  /** `XLEN`. */
  readonly xlen: (key: string) => Effect.Effect<number, RedisError>
  /** `XDEL`; the number of entries deleted. */
  readonly xdel: (key: string, ids: ReadonlyArray<string>) => Effect.Effect<number, RedisError>
  /** `XINFO STREAM` (fails with `ERR` when the key does not exist). */
  readonly xinfoStream: (key: string) => Effect.Effect<StreamInfo, RedisError>
  /** Non-blocking `XREAD`; an empty array when no stream has new entries. */
  readonly xread: (
    streams: ReadonlyArray<StreamCursor>,
    options?: ReadOptions
  ) => Effect.Effect<ReadonlyArray<StreamRead>, RedisError>
  /** Non-blocking `XREADGROUP`; an empty array when nothing is new. */
  readonly xreadgroup: (
    group: string,
    consumer: string,
    streams: ReadonlyArray<StreamCursor>,
    options?: GroupReadOptions
  ) => Effect.Effect<ReadonlyArray<StreamRead<StreamEntry | DeletedEntry>>, RedisError>
  /** `XACK`; the number of entries acknowledged. */
  readonly xack: (key: string, group: string, ids: ReadonlyArray<string>) => Effect.Effect<number, RedisError>
  /** `XCLAIM key group consumer min-idle ids...`; the entries claimed (deleted entries are dropped). */
  readonly xclaim: (
    key: string,
    group: string,
    consumer: string,
    minIdleMillis: number,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<StreamEntry>, RedisError>
  /**
   * `XCLAIM key group consumer min-idle ids... [IDLE ms] JUSTID`: moves pending
   * entries to `consumer` without counting a delivery, optionally setting
   * their idle time; the IDs moved.
   */
  readonly xclaimJustId: (
    key: string,
    group: string,
    consumer: string,
    minIdleMillis: number,
    ids: ReadonlyArray<string>,
    options?: { readonly idleMillis?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<string>, RedisError>
  /** `XAUTOCLAIM key group consumer min-idle start [COUNT n]`. */
  readonly xautoclaim: (
    key: string,
    group: string,
    consumer: string,
    minIdleMillis: number,
    start: string,
    count?: number
  ) => Effect.Effect<AutoClaimResult, RedisError>
  /** `XPENDING key group`. */
  readonly xpending: (key: string, group: string) => Effect.Effect<PendingSummary, RedisError>
  /** `XPENDING key group [IDLE ms] start end count [consumer]`. */
  readonly xpendingRange: (
    key: string,
    group: string,
    range: PendingRange
  ) => Effect.Effect<ReadonlyArray<PendingEntry>, RedisError>
  /** `XGROUP CREATE key group id [MKSTREAM]`. */
  readonly xgroupCreate: (
    key: string,
    group: string,
    id: string,
    options?: { readonly mkStream?: boolean | undefined }
  ) => Effect.Effect<void, RedisError>
  /** `XGROUP DESTROY`; whether the group existed. */
  readonly xgroupDestroy: (key: string, group: string) => Effect.Effect<boolean, RedisError>
  /** `XGROUP CREATECONSUMER`; whether the consumer was created (false if it existed). */
  readonly xgroupCreateConsumer: (key: string, group: string, consumer: string) => Effect.Effect<boolean, RedisError>
  /**
   * Deletes a consumer only if it has no pending entries, atomically (plain
   * `XGROUP DELCONSUMER` drops the pending entries with the consumer);
   * whether it was deleted. `false` as well when the consumer, the group or
   * the key does not exist.
   */
  readonly xgroupDelConsumerIfNoPending: (
    key: string,
    group: string,
    consumer: string
  ) => Effect.Effect<boolean, RedisError>
  /** `XINFO GROUPS`. */
  readonly xinfoGroups: (key: string) => Effect.Effect<ReadonlyArray<GroupInfo>, RedisError>
  /** `XINFO CONSUMERS`. */
  readonly xinfoConsumers: (key: string, group: string) => Effect.Effect<ReadonlyArray<ConsumerInfo>, RedisError>
  /**
   * `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`: one step of a walk
   * over the keyspace that never blocks the server as `KEYS` would. Start at
   * `"0"`; the walk is over when the returned cursor is `"0"`.
   */
  readonly scan: (cursor: string, options?: ScanOptions) => Effect.Effect<ScanPage, RedisError>
  /** `DEL`; the number of keys removed. */
  readonly del: (keys: ReadonlyArray<string>) => Effect.Effect<number, RedisError>
  /** `EXISTS`; how many of the keys exist. */
  readonly exists: (keys: ReadonlyArray<string>) => Effect.Effect<number, RedisError>
  /** `PEXPIRE key ms [NX|XX|GT|LT]`; whether the expiry was set. */
  readonly pexpire: (key: string, millis: number, condition?: ExpireCondition) => Effect.Effect<boolean, RedisError>
  /** `PTTL`: milliseconds left, `-1` for a key without expiry, `-2` for a missing key. */
  readonly pttl: (key: string) => Effect.Effect<number, RedisError>
  /** `SET key value [NX] [PX ms]`; whether the value was set. */
  readonly set: (key: string, value: string, options?: SetOptions) => Effect.Effect<boolean, RedisError>
  /**
   * Deletes `key` only if it holds `value`, atomically (compare-and-delete):
   * for releasing a lease that may have expired and been taken by another
   * holder meanwhile. Whether it was deleted.
   */
  readonly delIfEquals: (key: string, value: string) => Effect.Effect<boolean, RedisError>
  /** `GET`; `null` for a missing key. */
  readonly get: (key: string) => Effect.Effect<string | null, RedisError>
  /** `HSET key field value`; the number of fields added (0 when one was overwritten). */
  readonly hset: (key: string, field: string, value: string) => Effect.Effect<number, RedisError>
  /** `HGETALL`; an empty record for a missing key. */
  readonly hgetall: (key: string) => Effect.Effect<Readonly<Record<string, string>>, RedisError>
  /** `HDEL`; the number of fields removed. */
  readonly hdel: (key: string, fields: ReadonlyArray<string>) => Effect.Effect<number, RedisError>
  /**
   * Runs one of the known Lua scripts (see `ScriptReplies`) atomically, with
   * `EVALSHA` (falling back to `EVAL`); failures report the command as
   * `EVALSHA`. A script that fails half way keeps the writes it made, as in
   * Redis.
   */
  readonly runScript: <Name extends ScriptName>(
    name: Name,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string>
  ) => Effect.Effect<ScriptReplies[Name], RedisError>
  /**
   * A dedicated connection for blocking reads, released (and any read on it
   * aborted) when the scope closes.
   */
  readonly blockingConnection: Effect.Effect<BlockingConnection, RedisConnectionError, Scope.Scope>
}

/**
 * The service key of the Redis client.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const length = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   return yield* redis.xlen("pulse:stream:orders")
 * }).pipe(Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RedisClient extends Context.Service<RedisClient, Service>()("@effect-pulse/core/RedisClient") {}
