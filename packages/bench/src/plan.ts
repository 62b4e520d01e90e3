/**
 * What a benchmark run measures: the scenarios, each a table whose rows are
 * workloads and whose cells are one implementation doing that workload, and
 * how big each measurement is in each mode.
 *
 * @since 0.1.0
 */
import type { AddMode, Impl, Job, SinkAckStyle } from "./jobs/types.js"

/**
 * `quick` (`pnpm bench`, three interleaved runs per cell), `full` (`pnpm bench --full`)
 * or `smoke` (one tiny iteration of everything, for the test suite).
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "quick" | "full" | "smoke"

/**
 * The scenarios, in report order.
 *
 * @since 0.1.0
 * @category models
 */
export type ScenarioId = "add" | "sink" | "backlog" | "fanout" | "latency" | "memory"

/**
 * One measurement: a job, how the implementation does it, how many runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Case {
  readonly id: string
  readonly scenario: ScenarioId
  readonly impl: Impl
  /** What the implementation calls, e.g. `stream.addAll(1000)`. */
  readonly what: string
  readonly job: Job
  readonly runs: number
}

/**
 * A target of issue 15: effect-pulse's headline number (throughput, or p99
 * latency) over `peer`'s in the same round, at least (throughput) or at
 * most (latency) `bound`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RatioTarget {
  readonly peer: Impl
  readonly bound: number
  readonly direction: "atLeast" | "atMost"
}

/**
 * A row of a scenario's table: one workload, the case of each
 * implementation, and the ratios it must reach.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly scenario: ScenarioId
  readonly label: string
  readonly cells: Partial<Record<Impl, Case>>
  readonly targets: ReadonlyArray<RatioTarget>
}

/**
 * Sizes of every measurement in a mode.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly mode: Mode
  readonly runs: { readonly throughput: number; readonly latency: number; readonly memory: number }
  readonly add: { readonly sequential: number; readonly concurrent: number; readonly batch: number }
  readonly addWarmup: number
  readonly inFlight: number
  readonly batch: number
  readonly sinkEvents: number
  readonly backlogEvents: number
  readonly consumers: number
  readonly concurrency: number
  readonly fanoutEvents: number
  readonly readers: number
  readonly warmup: number
  readonly latencyRates: ReadonlyArray<number>
  readonly latencyMillis: number
  readonly latencyWarmupMillis: number
  readonly memoryMillis: number
  readonly memoryHandlerMillis: number
  readonly memorySampleMillis: number
  readonly memoryBufferSize: number
}

/**
 * The sizes of each mode.
 *
 * @since 0.1.0
 * @category constants
 */
export const settingsOf = (mode: Mode): Settings => {
  const common = {
    inFlight: 64,
    batch: 1000,
    consumers: 4,
    concurrency: 16,
    readers: 8,
    latencyRates: [1000, 10_000],
    memoryHandlerMillis: 10,
    memoryBufferSize: 1000
  }
  switch (mode) {
    case "smoke":
      return {
        ...common,
        mode,
        runs: { throughput: 1, latency: 1, memory: 1 },
        add: { sequential: 200, concurrent: 200, batch: 200 },
        addWarmup: 50,
        batch: 100,
        sinkEvents: 200,
        backlogEvents: 500,
        fanoutEvents: 200,
        warmup: 50,
        latencyRates: [1000],
        latencyMillis: 200,
        latencyWarmupMillis: 50,
        memoryMillis: 1000,
        memorySampleMillis: 100
      }
    case "quick":
      return {
        ...common,
        mode,
        runs: { throughput: 3, latency: 3, memory: 1 },
        add: { sequential: 2000, concurrent: 10_000, batch: 20_000 },
        // Warm-ups long enough for the JIT to settle: effect-pulse's path through Effect's runtime needs more than raw ioredis.
        addWarmup: 10_000,
        sinkEvents: 50_000,
        backlogEvents: 200_000,
        fanoutEvents: 10_000,
        warmup: 50_000,
        latencyMillis: 1500,
        latencyWarmupMillis: 500,
        memoryMillis: 8000,
        memorySampleMillis: 250
      }
    case "full":
      return {
        ...common,
        mode,
        runs: { throughput: 5, latency: 5, memory: 1 },
        // An awaited add takes ~55 µs: 30,000 make a window of over a second, which 10,000 did not.
        add: { sequential: 30_000, concurrent: 50_000, batch: 200_000 },
        addWarmup: 20_000,
        sinkEvents: 200_000,
        // 200,000 waiting events are consumed in 0.5-1 s, mostly a fresh process's start (notes, item 5).
        backlogEvents: 1_000_000,
        fanoutEvents: 50_000,
        warmup: 50_000,
        latencyMillis: 10_000,
        latencyWarmupMillis: 2000,
        memoryMillis: 30_000,
        memorySampleMillis: 500
      }
  }
}

const caseOf = (scenario: ScenarioId, impl: Impl, what: string, job: Job, runs: number): Case => ({
  id: `${scenario}/${impl}/${what}`,
  scenario,
  impl,
  what,
  job,
  runs
})

const atLeast = (peer: Impl, bound: number): RatioTarget => ({ peer, bound, direction: "atLeast" })

const addRows = (s: Settings): Array<Row> => {
  const modes: Array<{
    label: string
    mode: AddMode
    events: number
    whats: Record<Impl, string>
    targets: ReadonlyArray<RatioTarget>
  }> = [
    {
      label: "one at a time, each awaited",
      mode: { _tag: "sequential" },
      events: s.add.sequential,
      targets: [atLeast("ioredis", 0.9)],
      whats: {
        pulse: "stream.add",
        ioredis: "XADD",
        bullmq: "queue.add",
        persistedQueue: "queue.offer",
        redisBenchmark: "-P 1"
      }
    },
    {
      label: `${s.inFlight} in flight`,
      mode: { _tag: "concurrent", inFlight: s.inFlight },
      events: s.add.concurrent,
      targets: [atLeast("ioredis", 0.95)],
      whats: {
        pulse: `stream.add ×${s.inFlight} (${s.inFlight} lanes)`,
        ioredis: `XADD ×${s.inFlight} (auto-pipelined)`,
        bullmq: `queue.add ×${s.inFlight}`,
        persistedQueue: `queue.offer ×${s.inFlight}`,
        redisBenchmark: `-P ${s.inFlight}`
      }
    },
    {
      label: `${s.inFlight} in flight, a fiber per add`,
      mode: { _tag: "concurrent", inFlight: s.inFlight, forkPerAdd: true },
      events: s.add.concurrent,
      targets: [atLeast("ioredis", 0.95)],
      whats: {
        pulse: `Effect.forEach(stream.add, { concurrency: ${s.inFlight} })`,
        ioredis: `XADD ×${s.inFlight} (auto-pipelined)`,
        bullmq: "",
        persistedQueue: "",
        redisBenchmark: ""
      }
    },
    {
      label: `batches of ${s.batch}`,
      mode: { _tag: "batch", batch: s.batch },
      events: s.add.batch,
      targets: [atLeast("ioredis", 1.5), atLeast("redisBenchmark", 0.5)],
      whats: {
        pulse: `stream.addAll(${s.batch})`,
        ioredis: `pipeline of ${s.batch} XADD`,
        bullmq: `queue.addBulk(${s.batch})`,
        persistedQueue: "",
        redisBenchmark: `-P ${s.batch}`
      }
    }
  ]
  return modes.map(({ label, mode, events, whats, targets }) => {
    const impls: Array<Impl> = ["pulse", "ioredis", "bullmq", "persistedQueue", "redisBenchmark"]
    const cells: Partial<Record<Impl, Case>> = {}
    for (const impl of impls) {
      if (impl === "persistedQueue" && mode._tag === "batch") continue
      // The fiber-per-add row is effect-pulse's own variant: its peers are those of the lanes row.
      const peerMode = mode._tag === "concurrent" && impl !== "pulse" ? { ...mode, forkPerAdd: undefined } : mode
      if (mode._tag === "concurrent" && mode.forkPerAdd === true && impl !== "pulse" && impl !== "ioredis") continue
      const job: Job = { kind: "add", impl, mode: peerMode, events, warmup: s.addWarmup }
      cells[impl] = caseOf("add", impl, whats[impl], job, s.runs.throughput)
    }
    return { scenario: "add", label: `${label} (${events.toLocaleString("en-US")} events)`, cells, targets }
  })
}

const sinkJobOf =
  (s: Settings, prefilled: boolean) =>
  (impl: Impl, ackStyle: SinkAckStyle): Job => ({
    kind: "sink",
    impl,
    events: prefilled ? s.backlogEvents : s.sinkEvents,
    warmup: s.warmup,
    batch: s.batch,
    consumers: s.consumers,
    concurrency: s.concurrency,
    ackStyle,
    prefilled
  })

const pulseConsumers = (s: Settings, scenario: ScenarioId, sinkJob: ReturnType<typeof sinkJobOf>) => ({
  process: caseOf(
    scenario,
    "pulse",
    `sink.process (ack each), concurrency ${s.concurrency}`,
    sinkJob("pulse", "process"),
    s.runs.throughput
  ),
  ackAll: caseOf(
    scenario,
    "pulse",
    `sink.events + groupedWithin(${s.batch}) + ackAll`,
    sinkJob("pulse", "ackAll"),
    s.runs.throughput
  ),
  batches: caseOf(scenario, "pulse", "sink.batches + ackAll", sinkJob("pulse", "batches"), s.runs.throughput),
  chunked: caseOf(
    scenario,
    "pulse",
    `sink.batches + flattenArray + groupedWithin(${s.batch}) + ackAll`,
    sinkJob("pulse", "chunked"),
    s.runs.throughput
  )
})

const rawConsumer = (s: Settings, scenario: ScenarioId, sinkJob: ReturnType<typeof sinkJobOf>) =>
  caseOf(
    scenario,
    "ioredis",
    `XREADGROUP COUNT ${s.batch} + one XACK per read`,
    sinkJob("ioredis", "process"),
    s.runs.throughput
  )

const sinkRows = (s: Settings): Array<Row> => {
  const sinkJob = sinkJobOf(s, false)
  const pulse = pulseConsumers(s, "sink", sinkJob)
  const slots = `${s.consumers} consumers × ${s.concurrency}`
  const others = {
    ioredis: rawConsumer(s, "sink", sinkJob),
    bullmq: caseOf(
      "sink",
      "bullmq",
      `${s.consumers} Workers, concurrency ${s.concurrency}`,
      sinkJob("bullmq", "process"),
      s.runs.throughput
    ),
    persistedQueue: caseOf(
      "sink",
      "persistedQueue",
      `${s.consumers * s.concurrency} take fibers`,
      sinkJob("persistedQueue", "process"),
      s.runs.throughput
    )
  }
  return [
    {
      scenario: "sink",
      label: `${s.sinkEvents.toLocaleString("en-US")} events, ${slots}, handler only acks`,
      cells: { pulse: pulse.process, ...others },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "sink",
      label: `same, effect-pulse acking in groups`,
      cells: { pulse: pulse.ackAll, ...others },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "sink",
      label: "same, effect-pulse acking the arrays it takes",
      cells: { pulse: pulse.batches, ...others },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "sink",
      label: "same, effect-pulse grouping the events of those arrays",
      cells: { pulse: pulse.chunked, ...others },
      targets: [atLeast("ioredis", 1)]
    }
  ]
}

const backlogRows = (s: Settings): Array<Row> => {
  const sinkJob = sinkJobOf(s, true)
  const pulse = pulseConsumers(s, "backlog", sinkJob)
  const ioredis = rawConsumer(s, "backlog", sinkJob)
  const events = s.backlogEvents.toLocaleString("en-US")
  return [
    {
      scenario: "backlog",
      label: `${events} events waiting, ${s.consumers} consumers × ${s.concurrency}, handler only acks`,
      cells: { pulse: pulse.process, ioredis },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "backlog",
      label: "same, effect-pulse acking in groups",
      cells: { pulse: pulse.ackAll, ioredis },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "backlog",
      label: "same, effect-pulse acking the arrays it takes",
      cells: { pulse: pulse.batches, ioredis },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "backlog",
      label: "same, effect-pulse grouping the events of those arrays",
      cells: { pulse: pulse.chunked, ioredis },
      targets: [atLeast("ioredis", 1)]
    }
  ]
}

const fanoutRows = (s: Settings): Array<Row> => {
  const job = (impl: Impl, batches?: boolean): Job => ({
    kind: "fanout",
    impl,
    events: s.fanoutEvents,
    warmup: s.warmup,
    batch: s.batch,
    readers: s.readers,
    batches
  })
  const raw = caseOf(
    "fanout",
    "ioredis",
    `${s.readers} × XREAD COUNT ${s.batch} loop`,
    job("ioredis"),
    s.runs.throughput
  )
  return [
    {
      scenario: "fanout",
      label: `${s.fanoutEvents.toLocaleString("en-US")} events × ${s.readers} readers`,
      cells: {
        pulse: caseOf("fanout", "pulse", `${s.readers} × reader.events`, job("pulse"), s.runs.throughput),
        ioredis: raw
      },
      targets: [atLeast("ioredis", 1)]
    },
    {
      scenario: "fanout",
      label: "same, effect-pulse taking arrays",
      cells: {
        pulse: caseOf("fanout", "pulse", `${s.readers} × reader.batches`, job("pulse", true), s.runs.throughput),
        ioredis: raw
      },
      targets: [atLeast("ioredis", 1)]
    }
  ]
}

const latencyRows = (s: Settings): Array<Row> =>
  (["reader", "sink"] as const).flatMap((role) =>
    s.latencyRates.map((rate): Row => {
      const job = (impl: Impl): Job => ({
        kind: "latency",
        impl,
        role,
        rate,
        durationMillis: s.latencyMillis,
        warmupMillis: s.latencyWarmupMillis
      })
      const cell = (impl: Impl, what: string) =>
        caseOf("latency", impl, `${role} ${rate}/s: ${what}`, job(impl), s.runs.latency)
      const cells: Partial<Record<Impl, Case>> =
        role === "reader"
          ? { pulse: cell("pulse", "reader.events"), ioredis: cell("ioredis", "XREAD BLOCK loop") }
          : {
              pulse: cell("pulse", "sink.process"),
              ioredis: cell("ioredis", "XREADGROUP BLOCK loop + XACK"),
              bullmq: cell("bullmq", "Worker"),
              persistedQueue: cell("persistedQueue", "take")
            }
      return {
        scenario: "latency",
        label: `${role}, ${rate.toLocaleString("en-US")} events/s`,
        cells,
        targets: [{ peer: "ioredis", bound: 1.2, direction: "atMost" }]
      }
    })
  )

const memoryRows = (s: Settings, producer: "process" | "fiber"): Array<Row> =>
  (["reader", "sink"] as const).map((role) => ({
    scenario: "memory",
    label: role,
    cells: {
      pulse: caseOf(
        "memory",
        "pulse",
        role,
        {
          kind: "memory",
          impl: "pulse",
          role,
          durationMillis: s.memoryMillis,
          handlerMillis: s.memoryHandlerMillis,
          sampleMillis: s.memorySampleMillis,
          bufferSize: s.memoryBufferSize,
          producer
        },
        s.runs.memory
      )
    },
    targets: []
  }))

/**
 * The rows of every scenario in `only` (all when empty). `producer` says
 * where the memory scenario's producer runs (`process` needs built code).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePlan = (
  settings: Settings,
  options: { readonly only?: ReadonlyArray<ScenarioId> | undefined; readonly producer: "process" | "fiber" }
): Array<Row> => {
  const all: Record<ScenarioId, () => Array<Row>> = {
    add: () => addRows(settings),
    sink: () => sinkRows(settings),
    backlog: () => backlogRows(settings),
    fanout: () => fanoutRows(settings),
    latency: () => latencyRows(settings),
    memory: () => memoryRows(settings, options.producer)
  }
  const wanted = options.only === undefined || options.only.length === 0 ? Object.keys(all) : options.only
  return (Object.keys(all) as Array<ScenarioId>).filter((id) => wanted.includes(id)).flatMap((id) => all[id]())
}

/**
 * The distinct cases of `rows`, in order.
 *
 * @since 0.1.0
 * @category utils
 */
export const casesOf = (rows: ReadonlyArray<Row>): Array<Case> => {
  const seen = new Map<string, Case>()
  for (const row of rows)
    for (const found of Object.values(row.cells)) if (!seen.has(found.id)) seen.set(found.id, found)
  return [...seen.values()]
}
