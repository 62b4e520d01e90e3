/**
 * Helpers the jobs share: clocks, connections for each library, waiting.
 *
 * @since 0.1.0
 */

import * as NodeRedis from "@effect/platform-node/NodeRedis"
import type { Errors, RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { Effect, Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import { Redis } from "ioredis"
import type { LatencySummary } from "./types.js"

/**
 * Milliseconds from an arbitrary origin, with sub-millisecond precision.
 *
 * @since 0.1.0
 * @category clocks
 */
export const now = (): number => performance.now()

/**
 * Events per second for `events` done between `startedAt` and `endedAt`.
 *
 * @since 0.1.0
 * @category utils
 */
export const rate = (events: number, startedAt: number, endedAt: number): number =>
  events / Math.max((endedAt - startedAt) / 1000, 1e-9)

/**
 * A unique stream or queue name for one measurement.
 *
 * @since 0.1.0
 * @category utils
 */
export const uniqueName = (prefix: string): string => `${prefix}-${crypto.randomUUID().slice(0, 8)}`

/**
 * The effect-pulse `RedisClient` layer for the benchmark server.
 *
 * @since 0.1.0
 * @category layers
 */
export const pulseLayer = (
  url: string
): Layer.Layer<RedisClient.RedisClient, Errors.InvalidOption | Errors.RedisConnectionError> => RedisLayer.layer({ url })

/**
 * effect's `PersistedQueue` over its Redis store, on `@effect/platform-node`'s
 * `NodeRedis` (node-redis). `pollInterval` only matters when the queue runs
 * dry: an offer in the same process wakes the poller at once.
 *
 * @since 0.1.0
 * @category layers
 */
export const persistedQueueLayer = (url: string) =>
  PersistedQueue.layer.pipe(
    Layer.provide(PersistedQueue.layerStoreRedis({ prefix: `${uniqueName("pq")}:` })),
    Layer.provide(NodeRedis.layer({ url }))
  )

/**
 * A raw ioredis client for the scope (auto-pipelining off unless asked: the
 * baseline batches explicitly).
 *
 * @since 0.1.0
 * @category constructors
 */
export const ioredisClient = (url: string, options?: { readonly autoPipelining?: boolean }) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: null,
        enableAutoPipelining: options?.autoPipelining ?? false
      })
      client.on("error", () => {})
      await client.connect()
      return client
    }),
    (client) => Effect.sync(() => client.disconnect())
  )

/**
 * The BullMQ connection options for the benchmark server (workers need
 * `maxRetriesPerRequest: null`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const bullConnection = (url: string) => {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null }
}

/**
 * Runs `f` once for each index below `count`, at most `inFlight` at once.
 *
 * @since 0.1.0
 * @category utils
 */
export const forEachConcurrently = async (
  count: number,
  inFlight: number,
  f: (index: number) => Promise<unknown>
): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < count) await f(next++)
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
}

/**
 * A promise resolved by calling `done`, for "the last event arrived".
 *
 * @since 0.1.0
 * @category utils
 */
export const signal = () => {
  let done!: () => void
  const promise = new Promise<void>((resolve) => {
    done = resolve
  })
  return { promise, done }
}

/**
 * Waits until `check` answers true, polling every millisecond (for things
 * the libraries give no event for), at most `timeoutMillis`.
 *
 * @since 0.1.0
 * @category utils
 */
export const waitUntil = async (check: () => Promise<boolean>, timeoutMillis = 120_000): Promise<void> => {
  const deadline = now() + timeoutMillis
  while (!(await check())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

/**
 * p50, p99 and max of latency samples (milliseconds).
 *
 * @since 0.1.0
 * @category utils
 */
export const summarize = (samples: ReadonlyArray<number>): LatencySummary => {
  const sorted = Float64Array.from(samples).sort()
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!
  }
}

/**
 * Sleeps in a promise.
 *
 * @since 0.1.0
 * @category utils
 */
export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))
