/**
 * The read-only commands: `streams`, `info <stream>`, `sinks <stream>` and
 * `pending <stream> <sink>`.
 */
import { Inspect } from "@effect-pulse/core"
import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { redisFlags, withRedis } from "../internal/options.js"
import { print } from "../internal/print.js"
import { duration, table, time } from "../internal/table.js"

const streamArgument = Argument.String("stream").pipe(Argument.withDescription("the stream's name"))

const grace = Flag.String("grace").pipe(
  Flag.withDescription("the sinks' ack grace period: a consumer silent for two of them is stale (default 20 seconds)"),
  Flag.withDefault("20 seconds")
)

const graceOption = (text: string) => ({ ackGracePeriod: text as `${number} seconds` })

/** The table of a stream's sinks. */
export const sinksTable = (sinks: ReadonlyArray<Inspect.SinkInfo>): string =>
  table(
    ["SINK", "LAG", "PENDING", "OLDEST PENDING", "CONSUMERS", "ALIVE", "REDELIVERED", "DEAD"],
    sinks.map((sink) => [
      sink.name,
      sink.lagSource === "at-least" ? `>=${sink.lag}` : sink.lag,
      sink.pending,
      sink.oldestPending === null ? "-" : duration(sink.oldestPending.ageMillis),
      sink.consumers.length,
      sink.consumers.filter((consumer) => consumer.alive).length,
      sink.redelivered,
      sink.deadLetters
    ])
  )

const consumersTable = (sinks: ReadonlyArray<Inspect.SinkInfo>): string =>
  table(
    ["SINK", "CONSUMER", "PENDING", "IDLE", "LAST KEEP-ALIVE", "STATE"],
    sinks.flatMap((sink) =>
      sink.consumers.map((consumer) => [
        sink.name,
        consumer.name,
        consumer.pending,
        duration(consumer.idleMillis),
        time(consumer.lastKeepAlive),
        consumer.alive ? "alive" : "stale"
      ])
    )
  )

const renderInfo = (info: Inspect.StreamInfo): string =>
  [
    table(
      ["FIELD", "VALUE"],
      [
        ["stream", info.name],
        ["length", info.length],
        ["first entry", info.firstEntry === null ? "-" : `${info.firstEntry.id} (${time(info.firstEntry.time)})`],
        ["last entry", info.lastEntry === null ? "-" : `${info.lastEntry.id} (${time(info.lastEntry.time)})`],
        ["last generated ID", info.lastGeneratedId],
        ["ttl", info.ttlMillis === null ? "none" : duration(info.ttlMillis)],
        ["dead letters", info.deadLetters]
      ]
    ),
    "",
    sinksTable(info.sinks),
    "",
    consumersTable(info.sinks)
  ].join("\n")

/** `effect-pulse streams`. */
export const streams = Command.make("streams", redisFlags, (flags) =>
  withRedis(flags)(
    Effect.gen(function* () {
      const names = yield* Inspect.streams()
      const infos = yield* Effect.forEach(names, (name) => Inspect.stream(name).pipe(Effect.option), {
        concurrency: 8
      })
      // A stream deleted between the scan and its inspection is left out.
      const found = infos.flatMap((info) => (info._tag === "Some" ? [info.value] : []))
      yield* print(flags.json, found, (found) =>
        table(
          ["STREAM", "LENGTH", "SINKS", "DEAD", "LAST ENTRY"],
          found.map((info) => [info.name, info.length, info.sinks.length, info.deadLetters, time(info.lastEntry?.time)])
        )
      )
    })
  )
).pipe(
  Command.withDescription("List the streams (a SCAN over pulse:stream:*), with their length, sinks and dead letters")
)

/** `effect-pulse info <stream>`. */
export const info = Command.make("info", { ...redisFlags, stream: streamArgument, grace }, (flags) =>
  withRedis(flags)(
    Effect.flatMap(Inspect.stream(flags.stream, graceOption(flags.grace)), (found) =>
      print(flags.json, found, renderInfo)
    )
  )
).pipe(Command.withDescription("Show a stream: length, first and last entries, TTL, sinks, consumers, dead letters"))

/** `effect-pulse sinks <stream>`. */
export const sinks = Command.make("sinks", { ...redisFlags, stream: streamArgument, grace }, (flags) =>
  withRedis(flags)(
    Effect.flatMap(Inspect.stream(flags.stream, graceOption(flags.grace)), (found) =>
      print(flags.json, found.sinks, (all) => `${sinksTable(all)}\n\n${consumersTable(all)}`)
    )
  )
).pipe(Command.withDescription("Show the sinks of a stream: lag, pending, consumers alive or stale, dead letters"))

/** `effect-pulse pending <stream> <sink>`. */
export const pending = Command.make(
  "pending",
  {
    ...redisFlags,
    stream: streamArgument,
    sink: Argument.String("sink").pipe(Argument.withDescription("the sink's name")),
    count: Flag.Int("count").pipe(Flag.withDescription("how many, oldest first"), Flag.withDefault(100)),
    consumer: Flag.String("consumer").pipe(Flag.withDescription("only this consumer's"), Flag.optional)
  },
  (flags) =>
    withRedis(flags)(
      Effect.flatMap(
        Inspect.pending(flags.stream, flags.sink, {
          count: flags.count,
          consumer: flags.consumer._tag === "Some" ? flags.consumer.value : undefined
        }),
        (events) =>
          print(flags.json, events, (all) =>
            table(
              ["ID", "CONSUMER", "AGE", "IDLE", "DELIVERIES"],
              all.map((event) => [
                event.id,
                event.consumer,
                duration(event.ageMillis),
                duration(event.idleMillis),
                event.deliveries
              ])
            )
          )
      )
    )
).pipe(Command.withDescription("List the events a sink has delivered and not seen acked, oldest first"))
