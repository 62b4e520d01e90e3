import { expect } from "@effect/vitest"
import { type Event, EventStream, StartAt, Topic } from "@effect-pulse/core"
import { Effect, Schema, Stream } from "effect"
import { describeOnBothLayers, uniqueName } from "./utils/redisLayers.js"

const streamIndexes = [0, 1, 2] as const

/** Each matcher with a topic it accepts, used for the end marker of each stream. */
const matchers = {
  any: { matcher: Topic.any, accepted: "" },
  exact: { matcher: Topic.exact("eu"), accepted: "eu" },
  emptyExact: { matcher: Topic.exact(""), accepted: "" },
  regex: { matcher: Topic.fromInput(/^(us|eu\.fr)$/), accepted: "us" },
  glob: { matcher: Topic.glob("eu.*"), accepted: "eu.end" },
  predicate: { matcher: Topic.predicate((topic) => topic.length % 2 === 0), accepted: "ok" }
} as const

const NewEvent = Schema.Struct({
  stream: Schema.Literals(streamIndexes),
  topic: Schema.UndefinedOr(Schema.Literals(["eu", "eu.fr", "eu.fr.paris", "us", "", "x"])),
  payload: Schema.Uint8Array
})

describeOnBothLayers(
  "Reader properties",
  (it) => {
    it.effect.prop(
      "a reader from oldest yields exactly the matching events, in order per stream, with their bytes",
      {
        events: Schema.Array(NewEvent),
        matcherName: Schema.Literals(Object.keys(matchers) as Array<keyof typeof matchers>)
      },
      ({ events, matcherName }) =>
        Effect.gen(function* () {
          const { matcher, accepted } = matchers[matcherName]
          const streams = yield* Effect.forEach(streamIndexes, (index) => EventStream.make(uniqueName(`prop-${index}`)))
          for (const [index, event] of events.entries()) {
            yield* streams[event.stream]!.add(`e${index}`, event.payload, { topic: event.topic })
          }
          for (const stream of streams) yield* stream.add("end", "", { topic: accepted })

          const reader = yield* streams[0]!.reader({ start: StartAt.oldest, topic: matcher })
          yield* reader.addStream(streams[1]!)
          yield* reader.addStream(streams[2]!)
          let ends = 0
          const received = yield* reader.events.pipe(
            Stream.takeUntil((event) => event.eventName === "end" && ++ends === streams.length),
            Stream.runCollect
          )
          yield* reader.close

          for (const [index, stream] of streams.entries()) {
            const expected = events
              .map((event, position) => ({ ...event, name: `e${position}` }))
              .filter((event) => event.stream === index && matcher.test(event.topic ?? ""))
            const actual = received.filter(
              (event: Event.Event) => event.streamName === stream.name && event.eventName !== "end"
            )
            expect(actual.map((event) => event.eventName)).toEqual(expected.map((event) => event.name))
            expect(actual.map((event) => Array.from(event.payload))).toEqual(
              expected.map((event) => Array.from(event.payload))
            )
            expect(actual.map((event) => event.topic)).toEqual(
              expected.map((event) => (event.topic === "" ? undefined : event.topic))
            )
          }
        }).pipe(Effect.scoped),
      { timeout: 120_000, arbitrary: { runs: 40 } }
    )
  },
  { cluster: true }
)
