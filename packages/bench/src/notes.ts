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
      "Each measurement runs in a fresh process after an untimed warm-up of the same work, the same for every " +
      "peer; effect-pulse's path through Effect's runtime takes longer to reach compiled code than raw ioredis's, " +
      `so short warm-ups favour the raw side (this mode's are ${settings.addWarmup.toLocaleString("en-US")} adds ` +
      `and ${settings.warmup.toLocaleString("en-US")} consumed events). ` +
      "The largest single cost on both sides was ioredis 6's reply decoder (node-redis's, with its private fields " +
      "compiled to `WeakMap` look-ups): 1.7–3.4 µs per entry of a 1000-entry `XREADGROUP` reply, where walking the " +
      "reply's bytes once takes 0.2–0.6 µs. The raw cells pay it; effect-pulse no longer does on its hot paths: " +
      "the connections of blocking reads, and a second connection for `XADD`, `XACK` and the add scripts (single " +
      "node), are connected by ioredis (TLS, credentials, database, name) and then written and read directly.",
    "2. **One add at a time** (target ≥ 0.9× raw `XADD`). The add goes on the directly written connection: encoded " +
      "straight into a buffer (~240 ns an `XADD`, ~1,050 ns through ioredis's `Command`), written at once when " +
      "nothing else is in flight, its reply read from the bytes. `EventStream.add` makes its span only when a " +
      "tracer is installed. Warmed up (8 interleaved rounds in one process, quiet machine) effect-pulse is at " +
      "1.06× raw (0.84–1.09) with 32.9 µs of client CPU per add against 34.8 µs: most of an awaited add is the " +
      "round trip and the socket system calls on both sides, so this row measures loopback latency more than " +
      "either library.",
    "3. **Many adds in flight** (target ≥ 0.95×). The raw cell runs 64 lanes of awaited adds; effect-pulse does the " +
      "same (`64 lanes` row), and the `a fiber per add` row keeps `Effect.forEach(..., { concurrency: 64 })`. " +
      "Commands sent while others are in flight are gathered and written together at the end of the current task " +
      "(one write for the adds of 64 fibers resumed by one read of replies; ioredis's auto-pipelining keeps one " +
      "pipeline in flight per connection and made the lanes take turns). Warmed up, effect-pulse spends 3.6 µs of " +
      "client CPU per add against raw ioredis's 7.8 µs (1.79×, 1.64–1.91, 64 lanes) and 4.2 µs against 8.0 µs " +
      "with a fiber per add (1.50×, 1.35–1.78). What is left of an add is mostly Effect's runtime and building the " +
      "entry's fields (~2.35 KB allocated per add; GC is 15–25 % of the client's CPU).",
    "4. **`addAll`** (targets ≥ 1.5× a raw pipeline, ≥ 0.5× `redis-benchmark -P 1000`). One Lua script per part of " +
      "up to 1000 events: the fewest round trips, and atomic. It calls `XADD` straight from `ARGV`, sends the field " +
      "names once when every entry has the same fields and trims on the first and last entry of a part only (the " +
      "same result, the trim arguments checked before anything is stored); the client encodes a part straight into " +
      "a buffer and reads the 1000 IDs back from the reply's bytes. Redis's time per entry is ~1.9–2.1 µs against " +
      "~1.4–2.0 µs for pipelined native `XADD`s, and it is now the limit: in a warmed-up probe (one process, 8 " +
      "interleaved rounds against `redis-benchmark -P 1000`, native `XADD`s sent from C) the client sat idle about " +
      "two thirds of the time. Parts are sent one after the other, so that a failed part leaves the later ones " +
      "unsent; overlapping them would give that up.",
    "5. **Sinks** (end to end and backlog, targets ≥ 1.0× the raw `XREADGROUP COUNT 1000` + `XACK` loop). The " +
      `backlog rows time 4 consumers in one Node process on ${settings.backlogEvents.toLocaleString("en-US")} ` +
      "waiting events, added the same way for both " +
      "(pipelines of `XADD`), from the first read to the last ack: each side connects and joins its group before " +
      "its clock starts (`XGROUP CREATE` for the raw loop; the group, registry and lease for a sink, 9–27 ms). The " +
      "end-to-end rows share the machine with each side's own producer. Fixed in earlier sessions, from profiles " +
      "of a consumer: the reply decoding (item 1); hash-table updates per event for the entries a consumer holds " +
      "unacked and for the events kept claimed (now marks on the event and an array per delivery); a fresh 256 KB " +
      "buffer per reply that spans socket chunks (now one `Buffer.concat`); a `WeakMap` entry, a root span, a " +
      "fiber, a `DateTime` and an iterator per event. The `handle` stage runs `concurrency` workers that take the " +
      "next event when done with their last and queue each ack as soon as its handler succeeds; `process` runs " +
      "those workers itself, without the queue that hands handled events downstream (nothing is downstream of " +
      "it), and each read's span no longer captures a stack trace (2 % of a `process` profile). Also fixed, " +
      "from a profile of one backlog cell's timed window (fresh process, the same 50,000-event warm-up): both " +
      "consumers' main threads sat idle about a third of the time, waiting for Redis (effect-pulse 34 %, raw 36 %), " +
      "and effect-pulse's busy time per event was 2.6 µs for `sink.batches` + `ackAll` against the raw loop's 2.0 µs, " +
      "most of the difference garbage collection (14 % of the window against 4 %). Both allocate about 930 bytes " +
      "per event (sampled allocation profile; `sink.process` 1,640), but each of the sinks' young-generation " +
      "collections found 13–25 MB still reachable (`--trace-gc-nvp`, `new_space_survived`), which the raw loop's " +
      "did not. The poller raced each read with a signal of a change of streams, two fibers per read, and those " +
      "kept every reply reachable for a while: with the read inline in the polling fiber (a change of streams now " +
      "interrupts and restarts that fiber) 2–5 MB survive, and a probe of the `sink.batches` cell went from " +
      "256,000–316,000 to 296,000–386,000 events/s. An ack of one stream's events no longer forks a fiber either. " +
      "Warmed further (several 200,000-event runs in one process, before that fix) both sides got faster together: " +
      "`sink.batches` 2.1–2.7 µs per event, the raw " +
      "loop 2.1–2.3 µs, `sink.process` 3.0–3.4 µs (`process` runs an effect per event by its nature: its " +
      "`handle` stage alone costs ~0.5 µs an event with a handler that does nothing). A fresh process's first " +
      "second is not its steady state, and 200,000 events are consumed in 0.5–1 s: joining a 1000-entry reply " +
      "that spans socket chunks (`Buffer.concat`, ~170 KB) costs 200 µs and more while the process still takes " +
      "fresh memory from the system, ~36 µs once it reuses its own; and the VM's speed drifts (the same cell's " +
      "client CPU per event ranged 2.1–6 µs over one session, raw ioredis's included). A profile of the " +
      "`sink.process` cell at 200,000 events (fresh process) had garbage collection at 12 % of the window (a major " +
      "collection of the backlog-filling pipelines' garbage falls in it), idle 12 % and `Buffer.concat` 6 % (the " +
      "raw loop's decoder walks the chunks as they come and makes no joined copy; decoding across chunks is the " +
      "next step for effect-pulse). So full mode times 1,000,000 waiting events, quick mode 200,000. " +
      "`sink.events` + `Stream.groupedWithin` is bounded by `groupedWithin` itself. effect 4.1 runs its upstream " +
      "in a fiber of its own that hands every pull to the grouping fiber through a queue of capacity 0, and each " +
      "hand-off resumes a fiber through the scheduler, which dispatches with `setImmediate`: one turn of the event " +
      "loop per pull. Counted on a stream of numbers, one per pull, no Redis: 1.000 `setImmediate` per element and " +
      "8–14 µs an element (0.2–1.3 µs without `groupedWithin`), its CPU profile 56 % idle (the turns' " +
      "`epoll_wait`). `events` hands over one event per pull so that a stopped run drops nothing, so this is the " +
      "price of that pairing, not of Redis or of the sink: its backlog row ran at 93,759–115,115 events/s in the " +
      "last three full runs, 8.7–10.7 µs an event, within what `groupedWithin` costs on a bare stream. " +
      "`sink.batches.pipe(Stream.flattenArray, " +
      "Stream.groupedWithin(…))` hands `groupedWithin` one read per pull instead (0.001 `setImmediate` and " +
      "0.15 µs an element on the same stream; the last row of each table); `sink.batches` + `ackAll` is the " +
      "fastest way to ack in groups.",
    ...sinkCounts,
    "6. **Reader fan-out** (target ≥ 1.0× 8 raw `XREAD` loops). Each reader turns every entry into an event " +
      "(~260–350 ns with the decoding of its fields: one shared `DateTime` per millisecond for `createdAt`, field " +
      "names from a table, the last event name and topic remembered, no iterator or intermediate object), reads " +
      "its replies from their bytes (item 1) where the raw loops decode through ioredis, and `reader.events` takes " +
      "a waiting event straight from its buffer; readers share the sinks' poller, and with it the fix of a fiber " +
      "race per read (item 5). One round trip per read is left that the raw loop does not make: " +
      "when a read goes on in the millisecond of the reader's cursor (22 % of reads in the latency runs) the reader " +
      "checks with an `XRANGE` that the key was not re-created under it; it cannot ride in the `XREAD` itself " +
      "(reading from the entry before the cursor would make a blocking read return at once with an entry already " +
      "seen).",
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
