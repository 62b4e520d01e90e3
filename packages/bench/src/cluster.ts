/**
 * One Redis node against a Redis Cluster of three primaries (each with a
 * replica), the same total work over several streams: adds with many in
 * flight, `addAll` batches, and sinks end to end. A third column adds
 * `waitForReplicas` (one replica) to the cluster, to show what `WAIT` costs.
 *
 * Everything runs in this process, against a `redis-server` and a local
 * cluster the run starts itself. `pnpm bench:cluster` writes the results as
 * the "Redis Cluster" section of BENCHMARKS.md (between markers, so that
 * `pnpm bench` keeps it, see `keepClusterSection`).
 *
 * @since 0.1.0
 */
import { availableParallelism } from "node:os"
import { EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
import { Deferred, Effect, type Layer } from "effect"
import { benchMaxLen } from "./jobs/add.js"
import { now, rate, uniqueName } from "./jobs/common.js"
import { loadNow } from "./machine.js"
import { bytesPayload } from "./payload.js"
import { startServer } from "./server.js"
import { median } from "./summary.js"

/**
 * The sizes of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterSettings {
  /** Runs per cell; the median is reported. */
  readonly runs: number
  readonly streams: number
  readonly addEvents: number
  readonly inFlight: number
  readonly batchEvents: number
  readonly batch: number
  readonly sinkEvents: number
  readonly consumers: number
  readonly concurrency: number
}

/**
 * The sizes of `pnpm bench:cluster` (`quick`) and of the smoke test.
 *
 * @since 0.1.0
 * @category constants
 */
export const clusterSettings = (mode: "quick" | "smoke"): ClusterSettings =>
  mode === "quick"
    ? {
        runs: 3,
        streams: 8,
        addEvents: 20_000,
        inFlight: 64,
        batchEvents: 80_000,
        batch: 1000,
        sinkEvents: 40_000,
        consumers: 4,
        concurrency: 16
      }
    : {
        runs: 1,
        streams: 4,
        addEvents: 200,
        inFlight: 16,
        batchEvents: 400,
        batch: 100,
        sinkEvents: 200,
        consumers: 2,
        concurrency: 4
      }

type Workload = (
  streams: ReadonlyArray<EventStream.EventStream>
) => Effect.Effect<void, unknown, RedisClient.RedisClient>

const addConcurrently =
  (s: ClusterSettings, count: number): Workload =>
  (streams) =>
    Effect.forEach(
      Array.from({ length: count }, (_, n) => streams[n % streams.length]!),
      (stream) => stream.add("bench", bytesPayload),
      { concurrency: s.inFlight, discard: true }
    )

/** Each stream gets its share in batches; the streams are filled side by side. */
const addInBatches =
  (s: ClusterSettings, count: number): Workload =>
  (streams) => {
    const events = Array.from({ length: s.batch }, () => ({ name: "bench", payload: bytesPayload }))
    const perStream = Math.ceil(count / streams.length)
    return Effect.forEach(
      streams,
      (stream) =>
        Effect.gen(function* () {
          for (let done = 0; done < perStream; done += s.batch) {
            yield* stream.addAll(events.slice(0, Math.min(s.batch, perStream - done)))
          }
        }),
      { concurrency: "unbounded", discard: true }
    )
  }

/** `consumers` sinks of one name, each over every stream, handling with `process` until Redis has every ack. */
const sinkEndToEnd =
  (s: ClusterSettings, count: number): Workload =>
  (streams) =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const name = uniqueName("bench")
      let handled = 0
      const allHandled = yield* Deferred.make<void>()
      for (let consumer = 0; consumer < s.consumers; consumer++) {
        const sink = yield* streams[0]!.sink(name, { start: StartAt.oldest })
        for (const stream of streams.slice(1)) yield* sink.addStream(stream, { start: StartAt.oldest })
        yield* Effect.forkScoped(
          sink.process(
            () => Effect.suspend(() => (++handled >= count ? Deferred.succeed(allHandled, undefined) : Effect.void)),
            { concurrency: s.concurrency }
          )
        )
      }
      yield* addInBatches(s, count)(streams)
      yield* Deferred.await(allHandled)
      for (const stream of streams) {
        while ((yield* redis.xpending(stream.key, name)).count > 0) yield* Effect.sleep(1)
      }
    }).pipe(Effect.scoped)

/** Events per second of `workload` over fresh streams, after an untimed run of a tenth of it. */
const measure = (
  s: ClusterSettings,
  events: number,
  workload: (count: number) => Workload
): Effect.Effect<number, unknown, RedisClient.RedisClient> =>
  Effect.gen(function* () {
    const fresh = Effect.forEach(Array.from({ length: s.streams }), (_, n) =>
      EventStream.make(uniqueName(`cluster-bench-${n}`), { maxLen: benchMaxLen })
    )
    yield* workload(Math.max(1, Math.floor(events / 10)))(yield* fresh)
    const streams = yield* fresh
    const startedAt = now()
    yield* workload(events)(streams)
    const result = rate(events, startedAt, now())
    yield* Effect.forEach(streams, (stream) => stream.destroy, { discard: true })
    return result
  })

interface ClusterRow {
  readonly label: string
  readonly events: number
  readonly workload: (count: number) => Workload
}

const rowsOf = (s: ClusterSettings): ReadonlyArray<ClusterRow> => [
  {
    label: `stream.add ×${s.inFlight} in flight over ${s.streams} streams`,
    events: s.addEvents,
    workload: (count) => addConcurrently(s, count)
  },
  {
    label: `stream.addAll(${s.batch}) over ${s.streams} streams side by side`,
    events: s.batchEvents,
    workload: (count) => addInBatches(s, count)
  },
  {
    label: `sink end to end: ${s.consumers} consumers × ${s.concurrency} over ${s.streams} streams, sink.process`,
    events: s.sinkEvents,
    workload: (count) => sinkEndToEnd(s, count)
  }
]

const format = (value: number) => Math.round(value).toLocaleString("en-US")

/**
 * Runs every row on one node, on the cluster, and on the cluster with
 * `WAIT` after adds; returns the Markdown section (markers included).
 *
 * @since 0.1.0
 * @category running
 */
export const runClusterBenchmarks = (
  s: ClusterSettings,
  log: (line: string) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<string, unknown> =>
  Effect.scoped(
    Effect.gen(function* () {
      const startedAt = Date.now()
      const loadAtStart = loadNow()
      const server = yield* startServer
      const cluster = yield* RedisTestCluster.make()
      const targets: ReadonlyArray<readonly [string, Layer.Layer<RedisClient.RedisClient, unknown>]> = [
        ["one node", RedisLayer.layer({ url: server.url })],
        ["cluster", RedisLayer.layerCluster({ nodes: cluster.nodes })],
        [
          "cluster + WAIT",
          RedisLayer.layerCluster({ nodes: cluster.nodes, waitForReplicas: { replicas: 1, timeout: "1 second" } })
        ]
      ]
      const lines: Array<string> = []
      for (const row of rowsOf(s)) {
        // Runs take turns between the targets, so that a burst of load on the machine hits them alike.
        const results: Array<Array<number>> = targets.map(() => [])
        for (let run = 1; run <= s.runs; run++) {
          for (const [index, [target, layer]] of targets.entries()) {
            const result = yield* measure(s, row.events, row.workload).pipe(Effect.provide(layer))
            yield* log(`cluster · ${row.label} · ${target} (run ${run}): ${format(result)} events/s`)
            results[index]!.push(result)
          }
        }
        const [single, sharded, waiting] = results.map(median) as [number, number, number]
        lines.push(
          `| ${row.label} (${row.events.toLocaleString("en-US")} events) | ${format(single)} | ${format(sharded)} | ` +
            `${format(waiting)} | ${(sharded / single).toFixed(2)}× | ${(waiting / sharded).toFixed(2)}× |`
        )
      }
      return [
        clusterStart,
        "## Redis Cluster: one node against three primaries (events/s, higher is better)",
        "",
        `Written by \`pnpm bench:cluster\` (packages/bench/src/cluster.ts), ${new Date(startedAt).toISOString()}, ` +
          `${Math.round((Date.now() - startedAt) / 1000)} s. One \`redis-server\` ${server.version} ` +
          '(`--save "" --appendonly no`) against a local cluster of 3 primaries with a replica each ' +
          "(RedisTestCluster: six `redis-server` processes on the same two cores), through " +
          "`RedisLayer.layer` and `RedisLayer.layerCluster`; the same total work spread over the same " +
          `number of streams, in this process; the median of ${s.runs} run(s) per cell (taking turns between the ` +
          "three targets), each after an untimed tenth of the work. " +
          `Load average (1 min) ${loadAtStart.toFixed(2)} at start, ${loadNow().toFixed(2)} at end, on ` +
          `${availableParallelism()} CPUs: on a busy machine compare the ratios, not the absolute numbers.`,
        "",
        "| workload | one node | cluster | cluster, `waitForReplicas: 1` | cluster / one node | WAIT / cluster |",
        "|---|---:|---:|---:|---:|---:|",
        ...lines,
        "",
        "- All of it shares two cores: the client, the single node, or the six cluster processes and their " +
          "replication. A single Redis process uses one core; three primaries can use both, which is where " +
          "the cluster may come out ahead here (many adds in flight, when the one Redis was the bottleneck). " +
          "Where the client is the bottleneck, the ratio is the cost of the cluster path: routing per slot, a " +
          "connection per primary, a blocking read per slot for a sink over streams in different slots, " +
          "replication traffic. On real hardware, with each primary on cores of its own, adds and reads over " +
          "streams in different slots scale with the number of primaries; streams that share a hash tag share " +
          "one primary and do not.",
        "- `waitForReplicas` sends one `WAIT` per primary for all the adds whose replies came in meanwhile, so " +
          "its cost is about one replication round trip per batch of concurrent adds; adds awaited one at a " +
          "time pay it on every add.",
        clusterEnd
      ].join("\n")
    })
  )

/**
 * The markers around the section in BENCHMARKS.md.
 *
 * @since 0.1.0
 * @category constants
 */
export const clusterStart = "<!-- cluster benchmarks: pnpm bench:cluster -->"

/**
 * The end marker of the section.
 *
 * @since 0.1.0
 * @category constants
 */
export const clusterEnd = "<!-- end cluster benchmarks -->"

/**
 * `markdown` with the cluster section of `previous` (if any) in place of
 * its own, or at its end: each tool rewrites only its own part of the file.
 *
 * @since 0.1.0
 * @category utils
 */
export const keepClusterSection = (markdown: string, previous: string): string => {
  const from = previous.indexOf(clusterStart)
  const to = previous.indexOf(clusterEnd)
  if (from === -1 || to === -1) return markdown
  return withClusterSection(markdown, previous.slice(from, to + clusterEnd.length))
}

/**
 * `markdown` with `section` in place of its cluster section, or appended.
 *
 * @since 0.1.0
 * @category utils
 */
export const withClusterSection = (markdown: string, section: string): string => {
  const from = markdown.indexOf(clusterStart)
  const to = markdown.indexOf(clusterEnd)
  if (from === -1 || to === -1) return `${markdown.trimEnd()}\n\n${section}\n`
  return `${markdown.slice(0, from)}${section}${markdown.slice(to + clusterEnd.length)}`
}
