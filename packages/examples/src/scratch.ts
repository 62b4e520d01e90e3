/**
 * Names unique to one run of an example, and the removal of the keys they
 * lead to. Runs on a shared Redis must never meet (two runs reading one
 * stream would each see the other's events), and a real Redis should be left
 * as it was found. None of this is needed in an application, whose streams
 * and sinks have fixed names and outlive the process.
 */
import { DeadLetter, type Errors, EventStream, RedisClient, Sink } from "@effect-pulse/core"
import { Effect, type Scope } from "effect"

const runId = Effect.sync(() => crypto.randomUUID().slice(0, 8))

/**
 * A stream name unique to this run, `<base>-<8 hex digits>`. When the scope
 * closes, the stream is deleted with its sinks map and its dead letters.
 * Call it before opening readers or sinks in the same scope, so that they are
 * closed before their stream goes.
 */
export const streamName = (
  base: string
): Effect.Effect<string, Errors.InvalidName | Errors.InvalidOption, RedisClient.RedisClient | Scope.Scope> =>
  Effect.gen(function* () {
    const name = `${base}-${yield* runId}`
    // `make` only checks the name: nothing reaches Redis until `destroy`.
    const stream = yield* EventStream.make(name)
    const redis = yield* RedisClient.RedisClient
    // A failed clean-up fails the example (as a defect) rather than leaving keys behind unnoticed.
    const { sinks } = EventStream.keys(name)
    yield* Effect.addFinalizer(() => redis.del([stream.key, sinks, DeadLetter.key(name)]).pipe(Effect.orDie))
    return name
  })

/**
 * A sink name unique to this run. When the scope closes, the keys the sink
 * keeps besides its consumer groups (which go with their streams) are
 * deleted: the consumers' keep-alive hash and the claim-check lease.
 */
export const sinkName = (base: string): Effect.Effect<string, never, RedisClient.RedisClient | Scope.Scope> =>
  Effect.gen(function* () {
    const name = `${base}-${yield* runId}`
    const redis = yield* RedisClient.RedisClient
    const { keepAlive, lease } = Sink.keys(name)
    yield* Effect.addFinalizer(() => redis.del([keepAlive, lease]).pipe(Effect.orDie))
    return name
  })

/** The name an example gave a stream or sink, without the run's suffix: for output that is the same every run. */
export const label = (name: string): string => name.replace(/-[0-9a-f]{8}(?=$|:)/, "")
