/**
 * Running examples by name, printing a heading before each.
 */
import type { RedisClient } from "@effect-pulse/core"
import { Console, Effect, Runtime, Schema } from "effect"
import { type Example, examples } from "./examples.js"
import type { ExampleError } from "./program.js"

/** A name that is not an example's. Its message lists the examples. */
export class UnknownExample extends Schema.TaggedError<UnknownExample>()("UnknownExample", {
  name: Schema.String
}) {
  // The message says it all: `runMain` need not log the error again, only exit with a failure code.
  override readonly [Runtime.errorReported] = false
  override readonly [Runtime.errorExitCode] = 2

  override get message(): string {
    return `unknown example "${this.name}"; the examples are: ${examples.map((example) => example.name).join(", ")}`
  }
}

/** The examples with these names, or all of them when `names` is empty; fails on the first unknown name. */
export const select = (names: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Example>, UnknownExample> =>
  Effect.forEach(names.length === 0 ? examples.map((example) => example.name) : names, (name) => {
    const example = examples.find((candidate) => candidate.name === name)
    return example === undefined ? Effect.fail(new UnknownExample({ name })) : Effect.succeed(example)
  })

/**
 * Runs the examples named (all when none is), in turn, each after a heading
 * naming it and the Redis it runs on. Nothing runs when a name is unknown.
 */
export const run = (
  names: ReadonlyArray<string>,
  redisDescription: string
): Effect.Effect<void, ExampleError | UnknownExample, RedisClient.RedisClient> =>
  Effect.gen(function* () {
    const selected = yield* select(names).pipe(Effect.tapError((error) => Console.error(error.message)))
    for (const [index, example] of selected.entries()) {
      if (index > 0) yield* Console.log("")
      yield* Console.log(`== ${example.name}: ${example.summary} (on ${redisDescription})`)
      yield* example.program
    }
  })
