/**
 * Topic matchers: pub/sub on top of a stream. A producer tags an event with a
 * topic; a reader, a sink or a `Stream.filter` keeps the events whose topic a
 * matcher accepts. Matching happens in the client: the stream keeps every
 * event, and other readers and sinks still see them all.
 *
 * An event added without a topic has the topic `""` for matching purposes,
 * as in Go Pulse.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { type Event, EventStream, Topic } from "@effect-pulse/core"
 *
 * const europeanOrders = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   const reader = yield* orders.reader({ topic: Topic.glob("eu.*") })
 *   return reader.events
 * })
 * // or, as a stage of any pipeline (a sink's stream acks what it filters out):
 * const onlyEu = <E, R>(events: Stream.Stream<Event.Event, E, R>) => events.pipe(Topic.filter("eu"))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type * as Arr from "effect/Array"
import { dual } from "effect/Function"
import { InvalidTopicPattern } from "./Errors.js"
import { type Carrier, type Event, eventOf, isSinkEvent, type SinkEvent } from "./Event.js"
import * as AckQueue from "./internal/ackQueue.js"

/**
 * A topic matcher. `description` says what it matches, for logs and errors.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * const matcher: Topic.Matcher = Topic.exact("eu")
 * matcher.test("eu") // true
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Matcher {
  readonly _tag: "Exact" | "Regex" | "Glob" | "Predicate" | "Any"
  readonly description: string
  readonly test: (topic: string) => boolean
}

/**
 * What the `topic` option of readers and sinks accepts: a matcher, a string
 * for an exact topic, or a regular expression.
 *
 * @example
 * ```ts
 * import type { Topic } from "@effect-pulse/core"
 *
 * const options: ReadonlyArray<Topic.Input> = ["eu", /^eu\./, Topic.glob("eu.*")]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Input = Matcher | string | RegExp

/**
 * Matches one topic exactly.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * Topic.exact("eu").test("eu.fr") // false
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const exact = (topic: string): Matcher => ({
  _tag: "Exact",
  description: `topic ${JSON.stringify(topic)}`,
  test: (candidate) => candidate === topic
})

/**
 * Matches topics against a regular expression, given as a `RegExp` or as its
 * source; an invalid source fails with `InvalidTopicPattern`. The `g` and `y`
 * flags are dropped, since they would make matching depend on earlier
 * matches. (The `topic` option of readers and sinks takes a `RegExp` as it
 * is, too.)
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Topic } from "@effect-pulse/core"
 *
 * const program = Effect.gen(function*() {
 *   const regional = yield* Topic.regex("^orders\\.(eu|us)$")
 *   return regional.test("orders.eu") // true
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const regex = (pattern: RegExp | string): Effect.Effect<Matcher, InvalidTopicPattern> => {
  if (pattern instanceof RegExp) return Effect.succeed(fromRegExp(pattern))
  return Effect.try({
    try: () => fromRegExp(new RegExp(pattern)),
    catch: (error) => new InvalidTopicPattern({ pattern, message: (error as Error).message })
  })
}

// A RegExp is valid once built, and so is its source with fewer flags.
const fromRegExp = (pattern: RegExp): Matcher => {
  const compiled = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""))
  return { _tag: "Regex", description: `topics matching ${String(compiled)}`, test: (topic) => compiled.test(topic) }
}

const globSpecial = /[.+^${}()|[\]\\?]/g

/**
 * Matches topics against a glob: `*` stands for any run of characters within
 * one dot-separated segment (so `orders.*` matches `orders.eu` but not
 * `orders.eu.fr`), `**` for any run of characters across segments. Every
 * other character, `?` included, matches itself.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * Topic.glob("orders.*").test("orders.eu") // true
 * Topic.glob("orders.**").test("orders.eu.fr") // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const glob = (pattern: string): Matcher => {
  const source = pattern
    .split("**")
    .map((part) => part.replace(globSpecial, "\\$&").replaceAll("*", "[^.]*"))
    .join(".*")
  const compiled = new RegExp(`^${source}$`)
  return { _tag: "Glob", description: `topics like ${JSON.stringify(pattern)}`, test: (topic) => compiled.test(topic) }
}

/**
 * Matches the topics for which `f` returns true.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * const shortTopics = Topic.predicate((topic) => topic.length <= 3)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const predicate = (f: (topic: string) => boolean, description = "topics accepted by a predicate"): Matcher => ({
  _tag: "Predicate",
  description,
  test: f
})

/**
 * Matches every event, with or without a topic. The default of readers and
 * sinks.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * Topic.any.test("") // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const any: Matcher = { _tag: "Any", description: "every topic", test: () => true }

/**
 * Turns the `topic` option of readers and sinks into a matcher: a string is
 * an exact topic, a `RegExp` a {@link regex}.
 *
 * @example
 * ```ts
 * import { Topic } from "@effect-pulse/core"
 *
 * Topic.fromInput("eu")._tag // "Exact"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromInput = (input: Input): Matcher =>
  typeof input === "string" ? exact(input) : input instanceof RegExp ? fromRegExp(input) : input

/**
 * Whether an event's topic matches; data-last for `Stream.filter`, or
 * data-first. An event without a topic is tested as `""`.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Event, Topic } from "@effect-pulse/core"
 *
 * declare const events: Stream.Stream<Event.Event>
 * const eu = events.pipe(Stream.filter(Topic.matches(Topic.glob("eu*"))))
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const matches: {
  (matcher: Matcher): (event: Event) => boolean
  (event: Event, matcher: Matcher): boolean
} = dual(2, (event: Event, matcher: Matcher): boolean => matcher.test(event.topic ?? ""))

/**
 * A pipeline stage keeping the events whose topic matches `input` (any
 * {@link Input}); data-last for `pipe`, or data-first. It works on a
 * reader's stream, on a sink's, and on what later stages make of their
 * events (such as `Payload.Decoded`), so it can come before or after
 * decoding. On a sink's stream it acknowledges the events it filters out, in
 * batches (one `XACK` per stream for what piled up during the last round
 * trip), so that they are neither left pending nor delivered again; the acks
 * queued when the stream ends are sent before it completes.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { type Sink, Topic } from "@effect-pulse/core"
 *
 * const europeanOrders = (sink: Sink.Sink) =>
 *   sink.events.pipe(
 *     Topic.filter(Topic.glob("orders.eu.*")), // the others are acked
 *     Stream.tap((event) => Effect.log(event.topic)),
 *     Stream.runDrain
 *   )
 * ```
 *
 * @since 0.1.0
 * @category pipeline stages
 */
export const filter: {
  (input: Input): <A extends Carrier, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
  <A extends Carrier, E, R>(self: Stream.Stream<A, E, R>, input: Input): Stream.Stream<A, E, R>
} = dual(
  2,
  <A extends Carrier, E, R>(self: Stream.Stream<A, E, R>, input: Input): Stream.Stream<A, E, R> =>
    Stream.transformPull(self, (pull, scope) =>
      Effect.gen(function* () {
        const matcher = fromInput(input)
        // Made on the first event filtered out of a sink's stream: a reader's stream never needs one.
        let acks: AckQueue.AckQueue | undefined
        const ackRejected = (rejected: ReadonlyArray<SinkEvent>) =>
          acks !== undefined
            ? acks.offerAll(rejected)
            : Effect.flatMap(AckQueue.make(scope, AckQueue.unbatched), (made) => {
                acks = made
                return made.offerAll(rejected)
              })
        const next: typeof pull = Effect.flatMap(pull, (chunk) => {
          const kept: Array<A> = []
          const rejected: Array<SinkEvent> = []
          for (const carrier of chunk) {
            const event = eventOf(carrier)
            if (matcher.test(event.topic ?? "")) kept.push(carrier)
            else if (isSinkEvent(event)) rejected.push(event)
          }
          const rest = kept.length === 0 ? next : Effect.succeed(kept as unknown as Arr.NonEmptyReadonlyArray<A>)
          return rejected.length === 0 ? rest : Effect.andThen(ackRejected(rejected), rest)
        })
        return next
      })
    )
)
