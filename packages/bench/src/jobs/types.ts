/**
 * What one measurement is (a job) and what it reports (a result). Jobs are
 * plain JSON so that the runner can hand them to a fresh Node process.
 *
 * @since 0.1.0
 */

/**
 * Who does the work: this library, the hand-written ioredis baseline, BullMQ,
 * effect's `PersistedQueue` over its Redis store, or `redis-benchmark` (the
 * server's own ceiling).
 *
 * @since 0.1.0
 * @category models
 */
export type Impl = "pulse" | "ioredis" | "bullmq" | "persistedQueue" | "redisBenchmark"

/**
 * How events are added: one at a time (each awaited), `inFlight` at once, or
 * in batches of `batch` (one round trip each). `inFlight` at once runs as
 * `inFlight` lanes each adding one after the other (what the raw ioredis
 * cell does), or for effect-pulse with `forkPerAdd` as
 * `Effect.forEach(..., { concurrency: inFlight })`, a fiber per add.
 *
 * @since 0.1.0
 * @category models
 */
export type AddMode =
  | { readonly _tag: "sequential" }
  | { readonly _tag: "concurrent"; readonly inFlight: number; readonly forkPerAdd?: boolean | undefined }
  | { readonly _tag: "batch"; readonly batch: number }

/**
 * Add throughput: `events` adds of 100-byte payloads, after `warmup` adds
 * that are not timed.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddJob {
  readonly kind: "add"
  readonly impl: Impl
  readonly mode: AddMode
  readonly events: number
  readonly warmup: number
}

/**
 * How the effect-pulse sink acknowledges: `process` (ack each event after
 * its handler) or `ackAll` (events grouped, one `XACK` per group).
 *
 * @since 0.1.0
 * @category models
 */
export type SinkAckStyle = "process" | "ackAll" | "batches" | "chunked"

/**
 * Sink end to end: `events` added in batches of `batch` while `consumers`
 * consumers (each handling `concurrency` events at once) ack them; timed
 * from the first add to the last ack. With `prefilled` the events are all
 * in the stream before the consumers start (untimed), and the clock runs
 * from their start to the last ack: the consumer path alone.
 *
 * @since 0.1.0
 * @category models
 */
export interface SinkJob {
  readonly kind: "sink"
  readonly impl: Impl
  readonly events: number
  readonly warmup: number
  readonly batch: number
  readonly consumers: number
  readonly concurrency: number
  readonly ackStyle: SinkAckStyle
  readonly prefilled: boolean
}

/**
 * Reader fan-out: one producer adds `events` in batches, `readers` readers
 * each receive all of them; timed from the first add to the last delivery.
 *
 * @since 0.1.0
 * @category models
 */
export interface FanoutJob {
  readonly kind: "fanout"
  readonly impl: Impl
  readonly events: number
  readonly warmup: number
  readonly batch: number
  readonly readers: number
  /** effect-pulse only: each reader run through `reader.batches` (arrays) rather than `reader.events`. */
  readonly batches?: boolean | undefined
}

/**
 * Add-to-delivery latency: events added one by one at `rate` per second for
 * `durationMillis`, delivered to one reader or one sink consumer.
 *
 * @since 0.1.0
 * @category models
 */
export interface LatencyJob {
  readonly kind: "latency"
  readonly impl: Impl
  readonly role: "reader" | "sink"
  readonly rate: number
  readonly durationMillis: number
  readonly warmupMillis: number
}

/**
 * Memory under backlog: a producer adds as fast as it can for
 * `durationMillis` while one consumer takes `handlerMillis` per event; RSS
 * and heap are sampled every `sampleMillis`. With `producer: "process"` the
 * producer is a separate Node process (so only the consumer is measured).
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryJob {
  readonly kind: "memory"
  readonly impl: Impl
  readonly role: "reader" | "sink"
  readonly durationMillis: number
  readonly handlerMillis: number
  readonly sampleMillis: number
  readonly bufferSize: number
  readonly producer: "process" | "fiber"
}

/**
 * The producer half of a memory job, run in its own process: adds batches
 * to `stream` as fast as it can until killed or `durationMillis` passed.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProduceJob {
  readonly kind: "produce"
  readonly impl: Impl
  readonly stream: string
  readonly batch: number
  readonly maxLen: number
  readonly durationMillis: number
}

/**
 * Any job.
 *
 * @since 0.1.0
 * @category models
 */
export type Job = AddJob | SinkJob | FanoutJob | LatencyJob | MemoryJob | ProduceJob

/**
 * Latency percentiles, in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface LatencySummary {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/**
 * One memory sample: milliseconds since the start, RSS and heap in bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemorySample {
  readonly atMillis: number
  readonly rss: number
  readonly heapUsed: number
}

/**
 * A memory run: the samples, how many events were produced and consumed.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryReport {
  readonly samples: ReadonlyArray<MemorySample>
  readonly produced: number
  readonly consumed: number
  /** Events added but not consumed when the run ended. */
  readonly backlog: number
}

/**
 * What a job reports: a throughput (events/s), latency percentiles or a
 * memory report, and a note when it could not run.
 *
 * @since 0.1.0
 * @category models
 */
export interface JobResult {
  readonly eventsPerSecond?: number | undefined
  readonly latency?: LatencySummary | undefined
  readonly memory?: MemoryReport | undefined
  readonly skipped?: string | undefined
}
