/**
 * The `RedisClient` service in memory, with the semantics of Redis 7.0 for
 * every command of the service: entry IDs, `MAXLEN` trimming (approximate
 * trimming removes the same whole nodes Redis removes), consumer groups with
 * pending lists, delivery counts and idle times, `XAUTOCLAIM`, blocking reads
 * woken by adds, key expiry, and Redis's error replies (same code, same
 * message).
 *
 * Time comes from Effect's `Clock` of the fiber that sends each command, so
 * `TestClock` drives entry IDs, idle times, expiry and block timeouts in
 * tests. Each command runs atomically, as in Redis.
 *
 * Stream nodes are modelled as Redis 7.0 lays them out with its default
 * settings (`stream-node-max-entries` 100, `stream-node-max-bytes` 4096,
 * listpack sizes counted byte for byte), so `MAXLEN ~` keeps exactly what
 * Redis keeps, for small and large entries alike.
 *
 * Differences that remain: keyspace notifications, replication and
 * persistence are absent; `XCLAIM` IDs that happen to be option keywords
 * (`FORCE`, `JUSTID`, ...) are reported as unrecognized options instead of
 * being taken as options; `XCLAIM ... IDLE ms` keeps an idle time longer
 * than the time since the epoch (Redis resets it to 0), so that a
 * `TestClock` starting at 0 can still make entries look idle; Redis's
 * background expiry shows only where clients can see it (a blocked
 * `XREADGROUP` whose key expires fails with `UNBLOCKED` as soon as the key's
 * time has passed, where Redis takes up to a few hundred milliseconds).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   yield* redis.xadd("pulse:stream:orders", [["n", "created"], ["p", "{}"]])
 *   return yield* redis.xlen("pulse:stream:orders")
 * }).pipe(Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Scope } from "effect"
import { RedisConnectionError } from "./Errors.js"
import { connectionClosed, type ReadOutcome } from "./internal/inMemory/blocking.js"
import { runScript } from "./internal/inMemory/goPulseScripts.js"
import * as Groups from "./internal/inMemory/groupCommands.js"
import { formatId } from "./internal/inMemory/ids.js"
import * as Reads from "./internal/inMemory/reads.js"
import * as Scan from "./internal/inMemory/scan.js"
import { entryReply, Store } from "./internal/inMemory/store.js"
import * as Streams from "./internal/inMemory/streamCommands.js"
import * as RedisClient from "./RedisClient.js"

/** A read that may not block is always served. */
const served = <A>(outcome: ReadOutcome<A>): A => (outcome._tag === "Served" ? outcome.reply : outcome.plan.timedOut)

const storeClosed = () => new RedisConnectionError({ message: "the in-memory Redis was closed with its scope" })

// Like the Redis layer, commands given an empty list send nothing (Redis would refuse the arity).
const zero = Effect.succeed(0)
const nothing = Effect.succeed([])

/**
 * A fresh, empty in-memory Redis. Closing the scope closes its blocking
 * connections (a read blocked on one fails with `RedisConnectionError`); the
 * service fails every later command the same way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const redis = yield* InMemoryRedis.make
 *   yield* redis.xadd("pulse:stream:orders", [["n", "created"]], { id: "1-1" })
 *   return yield* redis.xrange("pulse:stream:orders", "-", "+")
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<RedisClient.Service, never, Scope.Scope> = Effect.gen(function* () {
  const store = new Store()
  yield* Effect.addFinalizer(() => Effect.sync(() => store.close()))
  const run = <A>(command: string, body: (now: number) => A) => store.execute(command, body, storeClosed)
  const keyspace = store.keyspace

  const blockingConnection: RedisClient.Service["blockingConnection"] = Effect.acquireRelease(
    Effect.suspend(() => {
      const connection = store.openConnection()
      return connection === undefined ? Effect.fail(connectionClosed()) : Effect.succeed(connection)
    }),
    (connection) => Effect.sync(() => store.closeConnection(connection))
  ).pipe(
    Effect.map(
      (connection): RedisClient.BlockingConnection => ({
        xread: (streams, options) =>
          connection.read(
            "XREAD",
            (now) => Reads.xread(store, { streams, count: options.count, blockMillis: options.blockMillis }, now),
            options.blockMillis
          ),
        xreadgroup: (group, consumer, streams, options) =>
          connection.read(
            "XREADGROUP",
            (now) =>
              Reads.xreadgroup(
                store,
                { group, consumer, noAck: options.noAck === true },
                { streams, count: options.count, blockMillis: options.blockMillis },
                now
              ),
            options.blockMillis
          )
      })
    )
  )

  return RedisClient.RedisClient.of({
    xadd: (key, fields, options) => run("XADD", (now) => Streams.xadd(store, key, fields, options, now)),
    xaddAll: (key, entries, options) =>
      entries.length === 0
        ? Effect.succeed([])
        : run("XADD", (now) => Streams.xaddAll(store, key, entries, options, now)),
    xrange: (key, start, end, count) =>
      run("XRANGE", (now) => Streams.xrange(store, key, { start, end }, count, false, now)),
    xrevrange: (key, end, start, count) =>
      run("XREVRANGE", (now) => Streams.xrange(store, key, { start, end }, count, true, now)),
    xlen: (key) => run("XLEN", (now) => Streams.xlen(store, key, now)),
    xdel: (key, ids) => (ids.length === 0 ? zero : run("XDEL", (now) => Streams.xdel(store, key, ids, now))),
    xinfoStream: (key) => run("XINFO", (now) => Streams.xinfoStream(store, key, now)),
    xread: (streams, options) =>
      run("XREAD", (now) =>
        served(Reads.xread(store, { streams, count: options?.count, blockMillis: undefined }, now))
      ),
    xreadgroup: (group, consumer, streams, options) =>
      run("XREADGROUP", (now) =>
        served(
          Reads.xreadgroup(
            store,
            { group, consumer, noAck: options?.noAck === true },
            { streams, count: options?.count, blockMillis: undefined },
            now
          )
        )
      ),
    xack: (key, group, ids) =>
      ids.length === 0 ? zero : run("XACK", (now) => Groups.xack(store, key, group, ids, now)),
    xclaim: (key, group, consumer, minIdleMillis, ids) =>
      ids.length === 0
        ? nothing
        : run("XCLAIM", (now) =>
            Groups.xclaim(
              store,
              { key, group, consumer, minIdleMillis, ids, justId: false, idleMillis: undefined },
              now
            ).map(entryReply)
          ),
    xclaimJustId: (key, group, consumer, minIdleMillis, ids, options) =>
      ids.length === 0
        ? nothing
        : run("XCLAIM", (now) =>
            Groups.xclaim(
              store,
              { key, group, consumer, minIdleMillis, ids, justId: true, idleMillis: options?.idleMillis },
              now
            ).map((entry) => formatId(entry.id))
          ),
    xautoclaim: (key, group, consumer, minIdleMillis, start, count) =>
      run("XAUTOCLAIM", (now) => Groups.xautoclaim(store, key, group, consumer, minIdleMillis, start, count, now)),
    xpending: (key, group) => run("XPENDING", (now) => Groups.xpending(store, key, group, now)),
    xpendingRange: (key, group, range) => run("XPENDING", (now) => Groups.xpendingRange(store, key, group, range, now)),
    xgroupCreate: (key, group, id, options) =>
      run("XGROUP", (now) => Groups.xgroupCreate(store, key, group, id, options?.mkStream === true, now)),
    xgroupDestroy: (key, group) => run("XGROUP", (now) => Groups.xgroupDestroy(store, key, group, now)),
    xgroupCreateConsumer: (key, group, consumer) =>
      run("XGROUP", (now) => Groups.xgroupCreateConsumer(store, key, group, consumer, now)),
    xgroupDelConsumerIfNoPending: (key, group, consumer) =>
      run("XGROUP", (now) => Groups.xgroupDelConsumerIfNoPending(store, key, group, consumer, now)),
    xinfoGroups: (key) => run("XINFO", (now) => Groups.xinfoGroups(store, key, now)),
    xinfoConsumers: (key, group) => run("XINFO", (now) => Groups.xinfoConsumers(store, key, group, now)),
    scan: (cursor, options) => run("SCAN", (now) => Scan.scan(keyspace, cursor, options, now)),
    del: (keys) => (keys.length === 0 ? zero : run("DEL", (now) => keyspace.del(keys, now))),
    exists: (keys) => (keys.length === 0 ? zero : run("EXISTS", (now) => keyspace.exists(keys, now))),
    pexpire: (key, millis, condition) => run("PEXPIRE", (now) => keyspace.pexpire(key, millis, condition, now)),
    pttl: (key) => run("PTTL", (now) => keyspace.pttl(key, now)),
    set: (key, value, options) => run("SET", (now) => keyspace.set(key, value, options, now)),
    get: (key) => run("GET", (now) => keyspace.get(key, now)),
    delIfEquals: (key, value) =>
      run("EVAL", (now) => keyspace.get(key, now) === value && keyspace.del([key], now) === 1),
    hset: (key, field, value) => run("HSET", (now) => keyspace.hset(key, field, value, now)),
    hgetall: (key) => run("HGETALL", (now) => keyspace.hgetall(key, now)),
    hdel: (key, fields) => (fields.length === 0 ? zero : run("HDEL", (now) => keyspace.hdel(key, fields, now))),
    runScript: (name, keys, args) => run("EVALSHA", (now) => runScript(keyspace, name, keys, args, now)),
    blockingConnection
  })
})

/**
 * The in-memory Redis as a layer: each build of the layer gets a fresh,
 * empty store.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const redis = yield* RedisClient.RedisClient
 *   yield* redis.set("pulse:lease", "me", { onlyIfMissing: true, expireMillis: 5000 })
 *   return yield* redis.pttl("pulse:lease")
 * }).pipe(Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RedisClient.RedisClient> = Layer.effect(RedisClient.RedisClient, make)
