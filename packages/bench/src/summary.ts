/**
 * From raw outcomes to the numbers the tables show: medians over runs,
 * ratios round by round with their spread, the memory verdict, and the
 * targets of issue 15.
 *
 * @since 0.1.0
 */
import type { Impl, Job, JobResult, LatencySummary, MemoryReport, MemorySample } from "./jobs/types.js"
import { payloadSize } from "./payload.js"
import type { Row } from "./plan.js"
import type { CaseOutcome } from "./runner.js"

/**
 * The median of `values` (NaN when empty).
 *
 * @since 0.1.0
 * @category utils
 */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * What a cell shows: a median throughput, median latencies, a memory report,
 * or why there is nothing.
 *
 * @since 0.1.0
 * @category models
 */
export type Cell =
  | { readonly _tag: "Throughput"; readonly eventsPerSecond: number; readonly runs: number }
  | { readonly _tag: "Latency"; readonly latency: LatencySummary; readonly runs: number }
  | { readonly _tag: "Memory"; readonly memory: MemoryReport; readonly verdict: MemoryVerdict }
  | { readonly _tag: "Missing"; readonly reason: string }

/**
 * The cell of one case from its outcome.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cellOf = (outcome: CaseOutcome | undefined): Cell => {
  if (outcome === undefined) return { _tag: "Missing", reason: "not run" }
  const { results, errors } = outcome
  const throughputs = results.flatMap((result) =>
    result.eventsPerSecond === undefined ? [] : [result.eventsPerSecond]
  )
  if (throughputs.length > 0)
    return { _tag: "Throughput", eventsPerSecond: median(throughputs), runs: throughputs.length }
  const latencies = results.flatMap((result) => (result.latency === undefined ? [] : [result.latency]))
  if (latencies.length > 0) {
    return {
      _tag: "Latency",
      runs: latencies.length,
      latency: {
        count: median(latencies.map((latency) => latency.count)),
        p50: median(latencies.map((latency) => latency.p50)),
        p99: median(latencies.map((latency) => latency.p99)),
        max: median(latencies.map((latency) => latency.max))
      }
    }
  }
  const memories = results.flatMap((result) => (result.memory === undefined ? [] : [result.memory]))
  if (memories.length > 0) {
    // Several runs: show the one that grew most, the conservative choice.
    const verdicts = memories.map((memory) => ({ memory, verdict: memoryVerdict(memory) }))
    verdicts.sort((a, b) => b.verdict.rssBytesPerBacklogEvent - a.verdict.rssBytesPerBacklogEvent)
    return { _tag: "Memory", ...verdicts[0]! }
  }
  const skipped = results.find((result) => result.skipped !== undefined)?.skipped
  if (skipped !== undefined) return { _tag: "Missing", reason: skipped }
  return { _tag: "Missing", reason: errors[0] === undefined ? "no result" : `failed: ${errors[0]}` }
}

/**
 * Whether memory stayed bounded while the backlog grew: the heap's floor
 * (its lowest point, after collections) in the last third of the run against
 * the middle third, and how many bytes RSS grew per event of backlog (an
 * implementation that kept the backlog in memory would need at least the
 * 100-byte payload per event).
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryVerdict {
  readonly rssStart: number
  readonly rssPeak: number
  readonly heapStart: number
  readonly heapPeak: number
  readonly heapFloorMiddle: number
  readonly heapFloorLast: number
  readonly heapFloorGrowth: number
  /** RSS peak minus RSS at the start, over the backlog at the end. */
  readonly rssBytesPerBacklogEvent: number
  readonly flat: boolean
}

const mib = 2 ** 20

/**
 * Judges a memory run: bounded when the heap floor grows by no more than
 * 8 MiB (or 10 %) from the middle to the last third and RSS grew by less
 * than one payload (100 bytes) per event of backlog, the least that holding
 * the backlog in memory would cost.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memoryVerdict = (memory: MemoryReport): MemoryVerdict => {
  const { samples } = memory
  const end = samples.at(-1)?.atMillis ?? 0
  const window = (from: number, to: number) =>
    samples.filter((sample) => sample.atMillis >= from && sample.atMillis <= to)
  const floor = (within: ReadonlyArray<MemorySample>) => Math.min(...within.map((sample) => sample.heapUsed))
  const heapFloorMiddle = floor(window(end / 3, (2 * end) / 3))
  const heapFloorLast = floor(window((2 * end) / 3, end))
  const heapFloorGrowth = heapFloorLast - heapFloorMiddle
  const rssStart = samples[0]?.rss ?? 0
  const rssPeak = Math.max(0, ...samples.map((sample) => sample.rss))
  const rssBytesPerBacklogEvent = memory.backlog > 0 ? (rssPeak - rssStart) / memory.backlog : Number.POSITIVE_INFINITY
  return {
    rssStart,
    rssPeak,
    heapStart: samples[0]?.heapUsed ?? 0,
    heapPeak: Math.max(0, ...samples.map((sample) => sample.heapUsed)),
    heapFloorMiddle,
    heapFloorLast,
    heapFloorGrowth,
    rssBytesPerBacklogEvent,
    flat: heapFloorGrowth <= Math.max(8 * mib, 0.1 * heapFloorMiddle) && rssBytesPerBacklogEvent < payloadSize
  }
}

/**
 * The cells of a row, by implementation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rowCells = (row: Row, outcomes: ReadonlyMap<string, CaseOutcome>): Partial<Record<Impl, Cell>> => {
  const cells: Partial<Record<Impl, Cell>> = {}
  for (const [impl, found] of Object.entries(row.cells) as Array<[Impl, Row["cells"][Impl]]>) {
    if (found !== undefined) cells[impl] = cellOf(outcomes.get(found.id))
  }
  return cells
}

/**
 * The number a ratio is taken of: throughput, or p99 latency.
 *
 * @since 0.1.0
 * @category utils
 */
export const headline = (result: JobResult | undefined): number | undefined =>
  result?.eventsPerSecond ?? result?.latency?.p99

/**
 * effect-pulse's headline number over a peer's, taken round by round (each
 * pair ran back to back): the median of those ratios, their spread, and how
 * many rounds had both.
 *
 * @since 0.1.0
 * @category models
 */
export interface RatioSummary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}

/**
 * The ratio of effect-pulse to `peer` in a row, when both have results in
 * at least one common round.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ratioOf = (row: Row, outcomes: ReadonlyMap<string, CaseOutcome>, peer: Impl): RatioSummary | undefined => {
  const ours = row.cells.pulse && outcomes.get(row.cells.pulse.id)
  const theirs = row.cells[peer] && outcomes.get(row.cells[peer].id)
  if (ours === undefined || theirs === undefined) return undefined
  const ratios: Array<number> = []
  ours.rounds.forEach((round, index) => {
    const mine = headline(ours.results[index])
    const other = headline(theirs.results[theirs.rounds.indexOf(round)])
    if (mine !== undefined && other !== undefined && other > 0) ratios.push(mine / other)
  })
  if (ratios.length === 0) return undefined
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), runs: ratios.length }
}

/**
 * A ratio with its spread, e.g. `0.93× (0.88–1.02)`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const showRatio = (summary: RatioSummary | undefined): string =>
  summary === undefined
    ? "—"
    : summary.runs === 1
      ? `${summary.median.toFixed(2)}× (1 run)`
      : `${summary.median.toFixed(2)}× (${summary.min.toFixed(2)}–${summary.max.toFixed(2)})`

/**
 * One target and where the run stands: met or missed by the median, and
 * whether the spread of the rounds reaches across the bound (the verdict
 * could go either way on another run).
 *
 * @since 0.1.0
 * @category models
 */
export interface TargetStatus {
  readonly target: string
  readonly measured: string
  readonly met: boolean | undefined
  readonly spreadCrosses: boolean
  /** Why a cell could not be measured at all (e.g. redis-benchmark too fast to time at smoke sizes). */
  readonly skipped?: string | undefined
}

const implShort: Record<Impl, string> = {
  pulse: "effect-pulse",
  ioredis: "raw ioredis",
  bullmq: "BullMQ",
  persistedQueue: "PersistedQueue",
  redisBenchmark: "redis-benchmark"
}

/**
 * The targets, judged on the rows of this run (those not measured are left out).
 *
 * @since 0.1.0
 * @category constructors
 */
export const targets = (rows: ReadonlyArray<Row>, outcomes: ReadonlyMap<string, CaseOutcome>): Array<TargetStatus> => {
  const statuses: Array<TargetStatus> = []
  for (const row of rows) {
    for (const target of row.targets) {
      const summary = ratioOf(row, outcomes, target.peer)
      const cells = rowCells(row, outcomes)
      const skipped = [cells.pulse, cells[target.peer]].find(
        (cell) => cell?._tag === "Missing" && !cell.reason.startsWith("failed")
      )
      const sign = target.direction === "atLeast" ? "≥" : "≤"
      const within = (value: number) => (target.direction === "atLeast" ? value >= target.bound : value <= target.bound)
      statuses.push({
        target: `${row.scenario}: ${row.label}: pulse / ${implShort[target.peer]} ${sign} ${target.bound}× (${row.cells.pulse?.what})`,
        measured: showRatio(summary),
        met: summary === undefined ? undefined : within(summary.median),
        spreadCrosses: summary !== undefined && within(summary.min) !== within(summary.max),
        skipped: summary === undefined && skipped?._tag === "Missing" ? skipped.reason : undefined
      })
    }
  }
  for (const row of rows.filter((candidate) => candidate.scenario === "memory")) {
    const cell = rowCells(row, outcomes).pulse
    statuses.push({
      target: `memory flat under backlog (${row.label})`,
      measured:
        cell?._tag === "Memory"
          ? `RSS ${inMiB(cell.verdict.rssStart)} → ${inMiB(cell.verdict.rssPeak)} (${cell.verdict.rssBytesPerBacklogEvent.toFixed(1)} bytes per backlog event), heap floor ${signedMiB(cell.verdict.heapFloorGrowth)} (last vs middle third), backlog ${cell.memory.backlog.toLocaleString("en-US")} events`
          : "n/a",
      met: cell?._tag === "Memory" ? cell.verdict.flat : undefined,
      spreadCrosses: false
    })
  }
  return statuses
}

/**
 * Bytes as MiB with one decimal.
 *
 * @since 0.1.0
 * @category utils
 */
export const inMiB = (bytes: number): string => `${(bytes / mib).toFixed(1)} MiB`

/**
 * A change in bytes as signed MiB.
 *
 * @since 0.1.0
 * @category utils
 */
export const signedMiB = (bytes: number): string => `${bytes >= 0 ? "+" : "−"}${inMiB(Math.abs(bytes))}`

/**
 * How many events a job moved, warm-up included (what Redis's command
 * statistics cover).
 *
 * @since 0.1.0
 * @category utils
 */
export const eventsOf = (job: Job, result: JobResult | undefined): number => {
  switch (job.kind) {
    case "add":
      // redis-benchmark has no warm-up pass.
      return job.impl === "redisBenchmark" ? job.events : job.events + job.warmup
    case "sink":
    case "fanout":
      return job.events + job.warmup
    case "latency":
      return Math.round((job.rate * (job.durationMillis + job.warmupMillis)) / 1000)
    case "memory":
      return result?.memory?.produced ?? 0
    case "produce":
      return 0
  }
}

/**
 * Redis's work per event in a case (its first successful run): calls of
 * each command per event, busiest first, and server CPU time per event.
 *
 * @since 0.1.0
 * @category constructors
 */
export const redisWork = (
  outcome: CaseOutcome | undefined
): { readonly perEvent: ReadonlyArray<readonly [string, number]>; readonly cpuMicrosPerEvent: number } | undefined => {
  const work = outcome?.server[0]
  if (outcome === undefined || work === undefined) return undefined
  const events = eventsOf(outcome.case.job, outcome.results[0])
  if (events === 0) return undefined
  const perEvent = Object.entries(work.calls)
    .filter(([name]) => name !== "flushall")
    .map(([name, calls]) => [name, calls / events] as const)
    .filter(([, calls]) => calls >= 0.0005)
    .sort((a, b) => b[1] - a[1])
  return { perEvent, cpuMicrosPerEvent: work.cpuMicros / events }
}
