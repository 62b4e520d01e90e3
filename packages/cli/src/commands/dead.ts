/**
 * `dead list|replay|remove`: a stream's dead letters.
 */
import { DeadLetter, Event } from "@effect-pulse/core"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { redisFlags, withRedis } from "../internal/options.js"
import { print } from "../internal/print.js"
import { table, time } from "../internal/table.js"
import { eventJson } from "./events.js"

const streamArgument = Argument.String("stream").pipe(Argument.withDescription("the stream's name"))

const letterJson = (letter: DeadLetter.DeadLetter) => ({
  id: letter.id,
  deliveries: letter.deliveries,
  sink: letter.event.sinkName ?? null,
  event: eventJson(letter.event)
})

const list = Command.make(
  "list",
  {
    ...redisFlags,
    stream: streamArgument,
    count: Flag.Int("count").pipe(Flag.withDescription("how many, oldest first"), Flag.withDefault(100))
  },
  (flags) =>
    withRedis(flags)(
      Effect.flatMap(DeadLetter.list(flags.stream, { count: flags.count }), (letters) =>
        print(flags.json, letters.map(letterJson), () =>
          table(
            ["LETTER", "EVENT ID", "SINK", "DELIVERIES", "EVENT", "TOPIC", "ADDED", "PAYLOAD"],
            letters.map((letter) => [
              letter.id,
              letter.event.id,
              letter.event.sinkName ?? "-",
              letter.deliveries,
              letter.event.eventName,
              letter.event.topic ?? "-",
              time(Number(letter.event.id.split("-")[0])),
              Event.text(letter.event)
            ])
          )
        )
      )
    )
).pipe(Command.withDescription("List a stream's dead letters, oldest first"))

const replay = Command.make(
  "replay",
  {
    ...redisFlags,
    stream: streamArgument,
    ids: Argument.String("letter").pipe(
      Argument.withDescription("the letters to replay (their LETTER IDs); all when none is given"),
      Argument.variadic()
    ),
    sink: Flag.String("sink").pipe(Flag.withDescription("only letters from this sink"), Flag.optional),
    event: Flag.String("event").pipe(Flag.withDescription("only letters of this event name"), Flag.optional),
    count: Flag.Int("count").pipe(Flag.withDescription("at most this many, oldest first"), Flag.withDefault(1000))
  },
  (flags) =>
    withRedis(flags)(
      Effect.gen(function* () {
        const ids = yield* DeadLetter.replay(flags.stream, {
          count: flags.count,
          filter: {
            ids: flags.ids.length === 0 ? undefined : flags.ids,
            sink: Option.getOrUndefined(flags.sink),
            eventName: Option.getOrUndefined(flags.event)
          }
        })
        yield* flags.json
          ? Console.log(JSON.stringify({ replayed: ids }))
          : Console.log(`replayed ${ids.length} dead letter(s)${ids.length === 0 ? "" : ` as ${ids.join(" ")}`}`)
      })
    )
).pipe(Command.withDescription("Put dead letters back on their stream as new events, then delete them"))

const remove = Command.make(
  "remove",
  {
    ...redisFlags,
    stream: streamArgument,
    ids: Argument.String("letter").pipe(
      Argument.withDescription("the letters to delete (their LETTER IDs)"),
      Argument.variadic({ min: 1 })
    )
  },
  (flags) =>
    withRedis(flags)(
      Effect.gen(function* () {
        const removed = yield* DeadLetter.remove(flags.stream, flags.ids)
        yield* flags.json ? Console.log(JSON.stringify({ removed })) : Console.log(`removed ${removed} dead letter(s)`)
      })
    )
).pipe(Command.withDescription("Delete dead letters"))

/** `effect-pulse dead list|replay|remove`. */
export const dead = Command.make("dead").pipe(
  Command.withDescription("A stream's dead letters: list, replay, remove"),
  Command.withSubcommands([list, replay, remove])
)
