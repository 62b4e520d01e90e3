/**
 * The notes under the tables: what limits the numbers, from profiling
 * (`pnpm bench --only sink --cpu-prof DIR`, then the top self-time
 * functions) and from Redis's command counts. A template the lead finalises;
 * the few numbers in it come from the run.
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
    "_From profiling with `node --cpu-prof` and Redis's command counts; the fixes named here are in the code measured above._",
    "",
    `1. **The machine.** Redis, the measuring process (and, for memory, a producer process) share ${settings.mode === "smoke" ? "the" : "two"} ` +
      "vCPUs of a VM with whatever else runs there (see the load average above). Every socket write costs tens of " +
      "microseconds (loopback TCP is delivered inside the writer's system call), so the number of commands per event " +
      "matters more than the CPU per command. Absolute numbers swing by ±30 % between runs on a busy machine: compare " +
      "the ratios within one run.",
    "2. **Sink end to end** (targets ≥ 0.8× the raw loop, ≥ 5× BullMQ). Three fixes brought `process` from " +
      "~0.2–0.35× the raw loop to ~0.75–0.8×: acks go through one fiber that sends whatever piled up during its last " +
      "round trip as one `XACK` per stream (it was one `XACK` per event); handlers run with one `Effect.forEach` per " +
      "pull from the buffer instead of a fiber per event (`Stream.mapEffect` forked, scoped and observed each one); " +
      "and polling resumes only once the buffers are half empty (it read a handful of entries per `XREADGROUP` " +
      "while a consumer was behind). The ≥ 5× BullMQ target cannot be met on this machine: 5× BullMQ is above what " +
      "the raw `XREADGROUP` loop itself reaches here, since the producer, the consumers and Redis share two cores. " +
      "What is left against the raw loop: per event and consumer the raw loop only turns the ID into a string, " +
      "effect-pulse builds an `Event` (`toEvent`: UTF-8 decode of the name, a `DateTime` for `createdAt`, a " +
      "`WeakMap` entry for `nack`) and passes it through a `Queue`.",
    ...sinkCounts,
    "3. **`addAll`** runs one Lua script per batch: the fewest round trips, so it beats a pipeline of `XADD`s on the " +
      "client, but Redis spends ~4–5 µs per entry in it (Lua call overhead) against ~1.4 µs for a plain `XADD`. " +
      "That is the first limit once several producers saturate one Redis.",
    "4. **One add at a time** pays ioredis auto-pipelining's `setImmediate` before each write (raw ioredis here: " +
      "~11,000–15,000 sequential `XADD`/s without it, ~7,000–9,000/s with it); with many adds in flight the same " +
      "setting is what makes effect-pulse match raw ioredis. `RedisLayer.layer({ ioredis: { enableAutoPipelining: false } })` " +
      "is there for one-at-a-time producers.",
    "5. **Latency p99** (target < 5 ms at 1,000 events/s). The p50s are below a millisecond for every library; the " +
      "p99s are young-generation GC pauses (`--trace-gc` shows 15–55 ms scavenges on this VM, in the raw ioredis " +
      "runs as well) and scheduling on a busy machine. effect-pulse allocates more per event (a span and metric " +
      "update per `add`, an Effect fiber per forked add, the event object, its `DateTime`), so more events wait " +
      "behind a pause. At 10,000 events/s one-at-a-time adds plus delivery nearly saturate one core here, so the " +
      "queueing shows in every percentile.",
    "6. **Reader fan-out.** Each reader decodes every entry itself (`toEvent`: a `TextDecoder` call for the name and " +
      "a `DateTime` for `createdAt`) and hands events to its stream one at a time (`reader.events` never drops an " +
      "event a run pulled but did not use, so it cannot pull batches). Computing `createdAt` lazily would save an " +
      "allocation per event and reader.",
    "7. **Memory** is bounded by `bufferSize`: the heap floor after collections does not move, and RSS grows far " +
      "less than the backlog would take (a few bytes per backlog event against the 100-byte payload each held " +
      "event would need); the heap saw-tooths between major collections, and a quick run's 8 s cover about one " +
      "cycle (`--full` runs 30 s).",
    "8. **Smaller items seen in the profiles**: the `WeakMap` of `sinkState.ts` `deliver` costs about 1 µs per " +
      "event (plus ephemeron work for the GC) where a field on the event would do; `addAll` leaves the client idle " +
      "~28 % of the time while Redis runs the script (batches are sequential), which is why it gains less over a " +
      "pipeline at 200,000 events than at 20,000."
  ]
}
