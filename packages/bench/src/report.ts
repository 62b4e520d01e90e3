/**
 * The results file: setup facts, targets, one table per scenario, notes.
 *
 * @since 0.1.0
 */
import type { Impl } from "./jobs/types.js"
import type { MachineFacts } from "./machine.js"
import { notes } from "./notes.js"
import type { Row, ScenarioId, Settings } from "./plan.js"
import type { CaseOutcome } from "./runner.js"
import type { BenchServer } from "./server.js"
import {
  type Cell,
  inMiB,
  ratioOf,
  redisWork,
  rowCells,
  showRatio,
  signedMiB,
  type TargetStatus,
  targets
} from "./summary.js"

/**
 * Everything a report is made of.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportInput {
  readonly settings: Settings
  readonly command: string
  readonly machine: MachineFacts
  readonly server: Pick<BenchServer, "version" | "flags">
  readonly rows: ReadonlyArray<Row>
  readonly outcomes: ReadonlyArray<CaseOutcome>
  readonly executor: string
  readonly startedAt: Date
  readonly durationMillis: number
  readonly loadAtEnd: number
}

const implNames: Record<Impl, string> = {
  pulse: "effect-pulse",
  ioredis: "raw ioredis",
  bullmq: "BullMQ",
  persistedQueue: "PersistedQueue",
  redisBenchmark: "redis-benchmark"
}

const comparedWith: ReadonlyArray<Impl> = ["ioredis", "bullmq", "persistedQueue", "redisBenchmark"]

const titles: Record<ScenarioId, string> = {
  add: "Add throughput (events/s, higher is better)",
  sink: "Sink end to end (events/s from first add to last ack, higher is better)",
  backlog:
    "Consuming a backlog (events/s from the consumers' start to the last ack, every event added beforehand; higher is better)",
  fanout: "Reader fan-out (delivered events/s over all readers, higher is better)",
  latency: "Add-to-delivery latency (ms, p50 / p99 / max; lower is better; ratios compare p99)",
  memory: "Memory under backlog (consumer taking 10 ms per event, producer at full speed)"
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US")
const millis = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : integer(value))
const cellText = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ")

const showCell = (cell: Cell | undefined, footnotes: Array<string>, skipped: Set<string>): string => {
  if (cell === undefined) return "—"
  switch (cell._tag) {
    case "Throughput":
      return integer(cell.eventsPerSecond)
    case "Latency":
      return `${millis(cell.latency.p50)} / ${millis(cell.latency.p99)} / ${millis(cell.latency.max)}`
    case "Memory":
      return cell.verdict.flat ? "bounded" : "grows"
    case "Missing": {
      if (!cell.reason.startsWith("failed")) {
        skipped.add(cell.reason)
        return "n/a"
      }
      footnotes.push(cell.reason.slice(0, 600))
      return `failed [${footnotes.length}]`
    }
  }
}

const throughputTable = (rows: ReadonlyArray<Row>, outcomes: ReadonlyMap<string, CaseOutcome>): Array<string> => {
  const impls = (Object.keys(implNames) as Array<Impl>).filter((impl) =>
    rows.some((row) => row.cells[impl] !== undefined)
  )
  const compared = comparedWith.filter((impl) => impls.includes(impl))
  const footnotes: Array<string> = []
  const skipped = new Set<string>()
  const lines = [
    `| workload | ${impls.map((impl) => implNames[impl]).join(" | ")} | ${compared.map((impl) => `pulse / ${implNames[impl]}`).join(" | ")} |`,
    `|---|${impls.map(() => "---:").join("|")}|${compared.map(() => "---:").join("|")}|`
  ]
  for (const row of rows) {
    const cells = rowCells(row, outcomes)
    const shown = impls.map((impl) => showCell(cells[impl], footnotes, skipped))
    const ratios = compared.map((impl) => showRatio(ratioOf(row, outcomes, impl)))
    lines.push(`| ${cellText(row.label)} | ${shown.join(" | ")} | ${ratios.join(" | ")} |`)
  }
  lines.push("")
  const whats = new Map<Impl, Set<string>>()
  for (const row of rows) {
    for (const [impl, found] of Object.entries(row.cells) as Array<[Impl, NonNullable<Row["cells"][Impl]>]>) {
      if (found.what === "") continue
      const set = whats.get(impl) ?? new Set<string>()
      set.add(found.what)
      whats.set(impl, set)
    }
  }
  lines.push("What each cell runs:", "")
  for (const [impl, set] of whats)
    lines.push(`- ${implNames[impl]}: ${[...set].map((what) => `\`${what}\``).join("; ")}`)
  if (skipped.size > 0) lines.push("", `n/a: ${[...skipped].map(cellText).join("; ")}.`)
  footnotes.forEach((note, index) => {
    lines.push("", `[${index + 1}] ${cellText(note)}`)
  })
  return lines
}

const redisWorkTable = (rows: ReadonlyArray<Row>, outcomes: ReadonlyMap<string, CaseOutcome>): Array<string> => {
  const lines = [
    "Redis's work per event, warm-up included (commands from `INFO commandstats`, counting those scripts run; CPU from `INFO cpu`):",
    "",
    "| cell | commands per event | Redis CPU µs per event |",
    "|---|---|---:|"
  ]
  const seen = new Set<string>()
  for (const row of rows) {
    for (const [impl, found] of Object.entries(row.cells)) {
      if (seen.has(found.id)) continue
      seen.add(found.id)
      const work = redisWork(outcomes.get(found.id))
      if (work === undefined) continue
      const commands = work.perEvent
        .slice(0, 5)
        .map(([name, calls]) => `${name} ${calls < 0.01 ? calls.toFixed(4) : calls.toFixed(2)}`)
        .join(", ")
      lines.push(
        `| ${implNames[impl as Impl]}: ${cellText(found.what)} | ${commands} | ${work.cpuMicrosPerEvent.toFixed(1)} |`
      )
    }
  }
  return lines
}

const memoryTable = (rows: ReadonlyArray<Row>, outcomes: ReadonlyMap<string, CaseOutcome>): Array<string> => {
  const lines = [
    "| consumer | produced | consumed | backlog at end | RSS start → peak | RSS growth per backlog event | heap start → peak | heap floor, middle → last third | verdict |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  ]
  const series: Array<string> = []
  for (const row of rows) {
    const cell = rowCells(row, outcomes).pulse
    if (cell?._tag !== "Memory") {
      lines.push(`| ${row.label} | ${cell?._tag === "Missing" ? cellText(cell.reason.slice(0, 300)) : "n/a"} ||||||||`)
      continue
    }
    const { memory, verdict } = cell
    lines.push(
      `| ${row.label} | ${integer(memory.produced)} | ${integer(memory.consumed)} | ${integer(memory.backlog)} | ` +
        `${inMiB(verdict.rssStart)} → ${inMiB(verdict.rssPeak)} | ${verdict.rssBytesPerBacklogEvent.toFixed(1)} B | ` +
        `${inMiB(verdict.heapStart)} → ${inMiB(verdict.heapPeak)} | ${inMiB(verdict.heapFloorMiddle)} → ${inMiB(verdict.heapFloorLast)} (${signedMiB(verdict.heapFloorGrowth)}) | ` +
        `${verdict.flat ? "bounded" : "**grows**"} |`
    )
    const step = Math.max(1, Math.floor(memory.samples.length / 12))
    const points = memory.samples.filter((_, index) => index % step === 0)
    series.push(
      `- ${row.label}, RSS / heap used (MiB) over time: ${points
        .map(
          (sample) =>
            `${(sample.atMillis / 1000).toFixed(1)} s ${(sample.rss / 2 ** 20).toFixed(0)}/${(sample.heapUsed / 2 ** 20).toFixed(0)}`
        )
        .join(", ")}`
    )
  }
  return [...lines, "", ...series]
}

const setupTable = (input: ReportInput): Array<string> => {
  const { machine, settings } = input
  const runs = settings.runs
  return [
    "| | |",
    "|---|---|",
    `| machine | ${machine.cpus}, ${machine.memory} RAM, ${machine.os} |`,
    `| Node | ${machine.node} |`,
    `| Redis | ${input.server.version}, a \`redis-server\` of its own on a free loopback port, \`${input.server.flags.join(" ")}\`, flushed before each measurement |`,
    `| packages | ${machine.packages.map(([name, version]) => `${name} ${version}`).join(", ")} |`,
    `| commit | ${machine.commit} |`,
    `| mode | ${settings.mode}: ${runs.throughput} run(s) per throughput cell, ${runs.latency} per latency cell, ${runs.memory} per memory row, in interleaved rounds (every cell once, then again in reverse order, ...); cells show medians; a ratio is the median of the round-by-round ratios (effect-pulse over the peer that ran next to it), its spread (lowest–highest) in brackets; each measurement after an untimed warm-up of the same work |`,
    `| how | ${input.executor} |`,
    `| load average (1 min) | ${machine.loadAtStart.toFixed(2)} at start, ${input.loadAtEnd.toFixed(2)} at end (${machine.cpus.split(" ")[0]} CPUs; other work on the machine shows up here) |`,
    `| run | ${input.startedAt.toISOString()}, ${(input.durationMillis / 1000).toFixed(0)} s |`
  ]
}

const verdict = (status: TargetStatus): string => {
  if (status.skipped !== undefined) return `n/a: ${status.skipped}`
  if (status.met === undefined) return "not measured"
  const text = status.met ? "met" : "**missed**"
  return status.spreadCrosses ? `${text}; _spread crosses target_` : text
}

/**
 * The Markdown of the results file.
 *
 * @since 0.1.0
 * @category rendering
 */
export const renderReport = (input: ReportInput): string => {
  const outcomes = new Map(input.outcomes.map((outcome) => [outcome.case.id, outcome]))
  const lines: Array<string> = [
    "# Benchmarks",
    "",
    `Written by \`${input.command}\` (packages/bench); do not edit by hand. ` +
      "Rerun with `pnpm bench` (quick: three interleaved runs per cell, 8–10 minutes on a loaded machine) or `pnpm bench --full` " +
      "(more events, five runs per cell, about 35 minutes).",
    "",
    "## Setup",
    "",
    ...setupTable(input),
    "",
    "## Targets",
    "",
    "Ratios are effect-pulse over the peer named; throughput ratios must reach the bound, latency (p99) ratios stay under it. " +
      "A verdict is the median's; _spread crosses target_ means the lowest and highest rounds fall on both sides of the bound.",
    "",
    "| target | measured: median (spread) | |",
    "|---|---|---|",
    ...targets(input.rows, outcomes).map(
      (status) => `| ${cellText(status.target)} | ${cellText(status.measured)} | ${cellText(verdict(status))} |`
    )
  ]
  const scenarios = [...new Set(input.rows.map((row) => row.scenario))]
  for (const scenario of scenarios) {
    const rows = input.rows.filter((row) => row.scenario === scenario)
    lines.push("", `## ${titles[scenario]}`, "")
    lines.push(...(scenario === "memory" ? memoryTable(rows, outcomes) : throughputTable(rows, outcomes)))
    if (scenario === "add" || scenario === "sink" || scenario === "backlog" || scenario === "fanout") {
      lines.push("", ...redisWorkTable(rows, outcomes))
    }
  }
  lines.push("", ...notes(input.settings, input.rows, outcomes))
  return `${lines.join("\n")}\n`
}
