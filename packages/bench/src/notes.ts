/**
 * The notes under the tables: what limits the numbers, from profiling
 * (`pnpm bench --only sink --cpu-prof DIR`, then the top self-time
 * functions), CPU time per event and Redis's command counts. The numbers
 * from earlier measurements are written in; those of the run are filled in.
 *
 * @since 0.1.0
 */
import type { Row, Settings } from "./plan.js"
import type { CaseOutcome } from "./runner.js"
import { redisWork } from "./summary.js"

/** Events per call of `command` in a case (how many entries one read or ack carried). */
const perCall = (outcome: CaseOutcome | undefined, command: string): string => {
  const calls = redisWork(outcome)?.perEvent.find(([name]) => name === command)?.[1]
  return calls === undefined || calls === 0 ? "n/a" : (1 / calls).toFixed(calls > 0.5 ? 2 : 0)
}

/**
 * The notes section, as Markdown lines.
 *
 * @since 0.1.0
 * @category rendering
 */
export const notes = (
  settings: Settings,
  rows: ReadonlyArray<Row>,
  outcomes: ReadonlyMap<string, CaseOutcome>
): Array<string> => {
  const sinkRows = rows.filter((row) => row.scenario === "sink")
  const outcomeOf = (row: Row | undefined, impl: "pulse" | "ioredis") => {
    const found = row?.cells[impl]
    return found === undefined ? undefined : outcomes.get(found.id)
  }
  const [processRow, ackAllRow] = sinkRows
  const sinkCounts =
    processRow === undefined
      ? []
      : [
          `   In this run \`sink.process\` acked ${perCall(outcomeOf(processRow, "pulse"), "xack")} events per \`XACK\` and ` +
            `read ${perCall(outcomeOf(processRow, "pulse"), "xreadgroup")} per \`XREADGROUP\`; the raw loop ` +
            `${perCall(outcomeOf(processRow, "ioredis"), "xack")} and ${perCall(outcomeOf(processRow, "ioredis"), "xreadgroup")}` +
            (ackAllRow === undefined
              ? "."
              : `; \`sink.events\` + \`ackAll\` read ${perCall(outcomeOf(ackAllRow, "pulse"), "xreadgroup")} per \`XREADGROUP\`.`)
        ]
  return [
    "## Notes: what limits the numbers",
    "",
    "_From profiling with `node --cpu-prof`, CPU time per event (`process.cpuUsage`) and Redis's command " +
      "statistics; the fixes named here are in the code measured above. Issue 15 has the history; each fix's commit " +
      "message has its before/after numbers._",
    "",
    `1. **The machine and the instrument.** Redis, the measuring process (and, for memory, a producer process) share ${settings.mode === "smoke" ? "the" : "two"} ` +
      "vCPUs of a VM with whatever else runs there (see the load average above). Every socket write costs tens of " +
      "microseconds (loopback TCP is delivered inside the writer's system call: `writeBuffer` is the largest single " +
      "item in every client profile, effect-pulse's and raw ioredis's alike), so commands per event matter more than " +
      "CPU per command. Absolute numbers swing by ±30 % (and by 2× or more when other work loads the machine), so " +
      "cells run in interleaved rounds and each ratio is the median of the round-by-round ratios with its spread; a " +
      "target whose spread crosses its bound is marked. CPU time per event of the measuring process is far steadier " +
      "than wall time under load, and is what the fixes below were judged by where the ratios did not settle. " +
      "Each measurement runs in a fresh process after a warm-up of the same work; effect-pulse's path through " +
      "Effect's runtime takes longer to reach compiled code than raw ioredis's, so short cells favour the raw " +
      "side (quick mode's warm-ups are 5,000 adds and 10,000 consumed events for that reason).",
    "2. **One add at a time** (target ≥ 0.9× raw `XADD`). A command sent while none of the connection's commands " +
      "is in flight is written at once instead of after ioredis auto-pipelining's `setImmediate`; `EventStream.add` " +
      "makes its span only when a tracer is installed (with effect's native tracer nothing receives it; making it and " +
      "switching the fiber's context to it was ~2.2 µs of the ~2.7 µs of Effect code per add, now ~0.55 µs in all). " +
      "In a profile of awaited adds ~65 % of the client's time is idle (the round trip) and ~20 % is the socket " +
      "write; the library's own code is a few µs per add of a ~100 µs round trip, so this row is the machine's " +
      "loopback latency on both sides.",
    "3. **Many adds in flight** (target ≥ 0.95×). The raw cell runs 64 lanes of awaited adds; effect-pulse does the " +
      "same (`64 lanes` row), and the `a fiber per add` row keeps `Effect.forEach(..., { concurrency: 64 })`. " +
      "ioredis's auto-pipelining keeps one pipeline in flight per connection: next to the command written at once " +
      "it split 64 lanes into two groups that took turns, each waiting for the other's round trip (two writes per 64 " +
      "adds, half the throughput). Commands sent while others are in flight now go into the socket corked until the " +
      "next `setImmediate` (one write per turn of the event loop, nothing waits for an earlier reply). Warmed up " +
      "(in one process, after 20,000 adds) effect-pulse is at 1.0–1.2× raw in both rows with ~9–13 µs of client CPU " +
      "per add (raw ~9–14 µs); in a fresh process after 5,000 adds (quick mode) Effect's runtime is not compiled yet " +
      "and the cells are mostly warm-up and the garbage collection of module loading.",
    "4. **`addAll`** (targets ≥ 1.5× a raw pipeline, ≥ 0.5× `redis-benchmark -P 1000`). One Lua script per part of " +
      "up to 1000 events: the fewest round trips, and atomic. It calls `XADD` straight from `ARGV`, sends the field " +
      "names once when every entry has the same fields (two or three arguments per entry instead of five or seven) " +
      "and trims on the first and last entry of a part only (the same result, the trim arguments checked before " +
      "anything is stored). Redis's time per entry is now ~1.9–2.1 µs against ~1.4–2.0 µs for pipelined native " +
      "`XADD`s (best of 8 rounds, loaded machine); the client's ~2–3 µs per entry is building and encoding the " +
      "arguments. `redis-benchmark -P 1000` sends pre-encoded commands from C; for 0.5× of it the client's and " +
      "Redis's work per entry together would have to stay under ~2× Redis's alone, but they take turns (a part is " +
      "one atomic command that Redis can only run once it has all of it, and parts are sequential so that a failed " +
      "part leaves the later ones unsent), so the two costs add up rather than overlap.",
    "5. **Sinks** (end to end and backlog, targets ≥ 1.0× the raw `XREADGROUP COUNT 1000` + `XACK` loop). The " +
      "backlog rows time the consumers alone on 200,000 waiting events (the end-to-end rows share the machine " +
      "with the producer). A profile of that consumer (4 sinks in one process) found, in this order: a `WeakMap` " +
      "entry per delivered event for `nack` and the retry count (`deliver` was 21.8 % of the CPU); a root span " +
      "per handled event (2.5–3.5 µs each in a micro-benchmark, against ~0.35 µs for the rest of `Effect`'s work " +
      "per event); a fiber per event (`Effect.forEach` with `concurrency` forks one per item); a `DateTime`, an " +
      "iterator and an intermediate object per entry. All are gone: delivery marks are fields of the event, the " +
      "per-event span is made only when a tracer is installed (effect's default tracer exports nothing; with an " +
      "OTLP or OpenTelemetry layer it is made as before), a chunk runs on a pool of `concurrency` fibers, entries " +
      "are read in place. Allocation per consumed event fell from 3.2 KB to 2.3 KB, a third of which is ioredis " +
      "decoding the reply and encoding the `XACK`, as in the raw loop. " +
      "What is left, measured on a quiet machine with the 200,000-event backlog (4 consumers in one process; " +
      "CPU per event from `process.cpuUsage`, GC threads included): the raw loop spends 4.4–5.9 µs an event, " +
      "65 % of it in ioredis (decoding), 26 % in Node's sockets and buffers, 7 % in GC: it decodes each reply, " +
      "sends one `XACK`, and nothing else happens per event. `sink.batches` + `ackAll` spends ~9.4 µs: ioredis " +
      "38 %, Node 16 %, GC 22 %, Effect's runtime 11 %, effect-pulse 13 % (building events, the buffer, the " +
      "unacked-entry map that lets a destroyed group be recreated without loss). `sink.process` spends " +
      "7.5–12.5 µs (an effect per event: the handler, its exit, keeping the event claimed while it runs, " +
      "queueing its ack; on a loaded machine ioredis and Node were 42 % of its profile, GC 13–23 %, Effect " +
      "16–21 %, effect-pulse 17–19 %). So the decoding both sides share is about half of effect-pulse's CPU, " +
      "and the largest part of the rest is GC: events wait in each consumer's buffer (up to `bufferSize`, " +
      "1,000) and in the stage, so young-generation collections copy and promote them, where the raw loop " +
      "drops each reply at once. A consumer on one Node thread is CPU-bound here, so the backlog rows read " +
      "about the inverse of that CPU ratio (0.35–0.45×); in the end-to-end rows the producer and Redis share " +
      "the machine and `process` and `batches` come within 0.9–1.0× of the raw loop. `sink.events` + " +
      "`Stream.groupedWithin` pulls one event at a time through Stream's machinery and acks many small " +
      "groups: it is the slowest way to ack in groups; take `sink.batches`.",
    ...sinkCounts,
    "6. **Reader fan-out** (target ≥ 1.0× 8 raw `XREAD` loops). Each reader turns every entry into an event. " +
      "Building one now costs ~260–350 ns with the decoding of its reply's fields (from ~800–1,300 ns): " +
      "`createdAt` is one shared `DateTime` per millisecond (a `DateTime` is an immutable value), field names " +
      "come from a table, the last event name and topic are remembered, and there is no iterator or " +
      "intermediate object per entry. `reader.events` takes a waiting event straight from its buffer, and a " +
      "poll of one stream skips `Effect.forEach` and its map. In a profile of the 8 readers (50,000 events), GC " +
      "is 19–31 % of the CPU and ioredis's reply decoder 18–24 % (35 % for raw ioredis, which decodes the same " +
      "replies and does nothing else: ~4 µs an event on a quiet machine, ~1.4 µs of it decoding). effect-pulse " +
      "spends ~5.3 µs per delivered event: the event objects held in 8 buffers of 1,000 (which each young-" +
      "generation collection copies), the hand-over (~0.4 µs an event through `events`, ~0.15 µs through " +
      "`batches`) and building each event (~0.3 µs). Closing the rest would mean not building an object per " +
      "entry (decoding lazily from the raw reply), which changes what `RedisClient` returns. One round trip per " +
      "read is also left that the raw loop does not make: when a read goes on in the millisecond of the " +
      "reader's cursor (22 % of reads in the latency runs) the reader checks with an `XRANGE` that the key was " +
      "not re-created under it; it cannot ride in the `XREAD` itself (reading from the entry before the cursor " +
      "would make a blocking read return at once with an entry already seen).",
    "7. **Latency p99** (target ≤ 1.2× raw). The p50s are below a millisecond for every library on a quiet " +
      "machine; a p99 is the longest pauses in the window: young-generation GC takes 15–110 ms on this VM " +
      "under load, and quick mode's 1,500 samples put p99 at the 15th-worst, so one collection more or less " +
      "on either side flips the ratio (raw's p99 was 2–9 ms in rounds without one and 10–40 ms with one). The " +
      "pause count follows the allocation rate, and most of effect-pulse's came from the producer: pairing " +
      "each producer with each reader (median p99 over 6 rounds, loaded machine) gave raw+raw 26 ms, raw " +
      "producer with the effect-pulse reader 59 ms, the effect-pulse producer with the raw reader 163 ms. The " +
      "add's span (now made only under a tracer) and its Effect plumbing were most of that; see item 2. At " +
      "10,000 events/s one-at-a-time adds plus delivery nearly saturate one core here: when the producer " +
      "falls behind, the p99 measures its queue (seconds), in the raw loops too. Compare latency rows only " +
      "from a quiet run; `--full` keeps 10 s of samples per cell.",
    "8. **Memory** is bounded by `bufferSize`: the heap floor after collections does not move, and RSS grows far " +
      "less than the backlog would take (a few bytes per backlog event against the 100-byte payload each held " +
      "event would need); the heap saw-tooths between major collections, and a quick run's 8 s cover about one " +
      "cycle (`--full` runs 30 s)."
  ]
}
