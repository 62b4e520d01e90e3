/**
 * The commands that move events: `tail <stream>` (follows new events like
 * `tail -f`) and `add <stream> <event> [payload|-]`.
 */
import { text as readAll } from "node:stream/consumers"
import { Errors, Event, EventStream, StartAt } from "@effect-pulse/core"
import { Console, DateTime, Effect, Option, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { redisFlags, withRedis } from "../internal/options.js"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** An event for scripts: the payload as text, or as base64 when it is not UTF-8. */
export const eventJson = (event: Event.Event) => {
  let payload: { readonly payload: string } | { readonly payloadBase64: string }
  try {
    payload = { payload: utf8.decode(event.payload) }
  } catch {
    payload = { payloadBase64: Buffer.from(event.payload).toString("base64") }
  }
  return {
    id: event.id,
    stream: event.streamName,
    event: event.eventName,
    topic: event.topic ?? null,
    time: DateTime.formatIso(event.createdAt),
    ...payload
  }
}

const eventLine = (event: Event.Event): string =>
  `${event.id}  ${event.eventName}${event.topic === undefined ? "" : ` [${event.topic}]`}  ${Event.text(event)}`

/** `--from`: `oldest`, `newest`, an entry ID (read after it) or a time (ISO 8601 or epoch milliseconds). */
const startOf = (from: string): Effect.Effect<StartAt.StartAt, Errors.InvalidOption> => {
  if (from === "oldest") return Effect.succeed(StartAt.oldest)
  if (from === "newest") return Effect.succeed(StartAt.newest)
  if (/^\d+-\d+$/.test(from)) return Effect.succeed(StartAt.after(from))
  const millis = /^\d+$/.test(from) ? Number(from) : Date.parse(from)
  if (Number.isFinite(millis)) return Effect.succeed(StartAt.at(millis))
  return Effect.fail(
    new Errors.InvalidOption({
      option: "from",
      message: `--from must be oldest, newest, an entry ID or a time, got ${JSON.stringify(from)}`
    })
  )
}

/** `effect-pulse tail <stream>`. */
export const tail = Command.make(
  "tail",
  {
    ...redisFlags,
    stream: Argument.String("stream").pipe(Argument.withDescription("the stream's name")),
    topic: Flag.String("topic").pipe(Flag.withDescription("only events with this topic"), Flag.optional),
    from: Flag.String("from").pipe(
      Flag.withDescription("where to start: oldest, newest (default), an entry ID (after it) or a time"),
      Flag.withDefault("newest")
    ),
    count: Flag.Int("count").pipe(Flag.withDescription("stop after this many events"), Flag.optional)
  },
  (flags) =>
    withRedis(flags)(
      Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* EventStream.make(flags.stream)
          const start = yield* startOf(flags.from)
          const reader = yield* stream.reader({
            start,
            ...Option.match(flags.topic, { onNone: () => ({}), onSome: (topic) => ({ topic }) })
          })
          const events = Option.match(flags.count, {
            onNone: () => reader.events,
            onSome: (count) => Stream.take(reader.events, count)
          })
          yield* Stream.runForEach(events, (event) =>
            Console.log(flags.json ? JSON.stringify(eventJson(event)) : eventLine(event))
          )
        })
      )
    )
).pipe(Command.withDescription("Print a stream's events as they come, like tail -f (one JSON line each with --json)"))

/** `effect-pulse add <stream> <event> [payload|-]`. */
export const add = Command.make(
  "add",
  {
    ...redisFlags,
    stream: Argument.String("stream").pipe(Argument.withDescription("the stream's name")),
    event: Argument.String("event").pipe(Argument.withDescription("the event's name")),
    payload: Argument.String("payload").pipe(
      Argument.withDescription("the payload; - reads it from standard input; empty when left out"),
      Argument.withDefault("")
    ),
    topic: Flag.String("topic").pipe(Flag.withDescription("the event's topic"), Flag.optional)
  },
  (flags) =>
    withRedis(flags)(
      Effect.gen(function* () {
        const payload = flags.payload === "-" ? yield* Effect.promise(() => readAll(process.stdin)) : flags.payload
        // The stream's own producers trim it; an add from here must not trim it to
        // the default 1000 entries, so its trim is set past any length.
        const stream = yield* EventStream.make(flags.stream, { maxLen: Number.MAX_SAFE_INTEGER })
        const id = yield* stream.add(
          flags.event,
          payload,
          Option.match(flags.topic, { onNone: () => ({}), onSome: (topic) => ({ topic }) })
        )
        yield* Console.log(flags.json ? JSON.stringify({ id }) : id)
      })
    )
).pipe(Command.withDescription("Add an event to a stream and print its ID"))
