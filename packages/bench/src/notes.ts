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
      "backlog rows time 4 consumers in one Node process on 200,000 waiting events, added the same way for both " +
      "(pipelines of `XADD`); the end-to-end rows share the machine with each side's own producer. A consumer " +
      "process is CPU-bound here. Fixed this time, from profiles of that consumer: the reply decoding (item 1); " +
      "two hash-table updates per event for the entries a consumer holds unacked (so that a group destroyed from " +
      "outside is recreated without loss; `deliver` and the ack's bookkeeping were 6.5 % and 4.2 % of " +
      "`sink.process`'s CPU; now marks on the event and an array per delivery); two more for keeping handled events " +
      "claimed (a set of the stage's events and the claim keeper's map, ~0.45 µs an event; now marks as well); a " +
      "fresh 256 KB buffer per reply that spans socket chunks (~170 µs each; now one `Buffer.concat`). Earlier: a " +
      "`WeakMap` entry per event, a root span per handled event (made only under a tracer now), a fiber per event, " +
      "a `DateTime` and an iterator per entry. The `handle` stage now runs `concurrency` workers that take the " +
      "next event when done with their last and queue each ack as soon as its handler succeeds (a slow event used " +
      "to hold up its whole chunk, and the acks of the events handled around it). What is left, measured warmed " +
      "up on a quiet machine (CPU per event from `process.cpuUsage`, GC threads included): the raw loop 1.9–2.0 µs " +
      "(342,000–382,000 events/s), `sink.batches` + `ackAll` 2.5 µs (352,000–388,000/s), `sink.process` " +
      "3.3–3.4 µs (342,000–351,000/s). `process` runs an effect per event by its nature (the handler, its exit, " +
      "its ack queued): the `handle` stage alone costs ~0.5 µs an event with a handler that does nothing (chunks " +
      "of 1000 in-memory events, no Redis); the rest is building events, GC (12–14 % of the profile: events wait " +
      "in buffers of up to `bufferSize`, 1,000 per consumer, so young-generation collections copy them, where the " +
      "raw loop drops each reply at once) and Effect's runtime. `sink.events` + `Stream.groupedWithin` is bounded by " +
      "`groupedWithin` itself: in effect 4.1 it costs ~9 µs an element on this machine (a stream of numbers, one " +
      "per pull, no Redis; 0.3 µs without it), four times the raw loop's whole cost per event. `sink.batches` is " +
      "the way to ack in groups.",
    ...sinkCounts,
    "6. **Reader fan-out** (target ≥ 1.0× 8 raw `XREAD` loops). Each reader turns every entry into an event " +
      "(~260–350 ns with the decoding of its fields: one shared `DateTime` per millisecond for `createdAt`, field " +
      "names from a table, the last event name and topic remembered, no iterator or intermediate object), reads " +
      "its replies from their bytes (item 1) where the raw loops decode through ioredis, and `reader.events` takes " +
      "a waiting event straight from its buffer. One round trip per read is left that the raw loop does not make: " +
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
