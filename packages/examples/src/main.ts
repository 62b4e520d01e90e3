/**
 * Runs the examples in turn, on the in-memory Redis or on `REDIS_URL`.
 * `node dist/main.js <name>` runs one.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { redisDescription, redisLayer } from "./redis.js"
import { singleReader } from "./singleReader.js"

const examples = { "single-reader": singleReader } as const

const chosen = process.argv[2]

const program = Effect.gen(function* () {
  const names = chosen === undefined ? Object.keys(examples) : [chosen]
  for (const name of names) {
    if (!(name in examples)) {
      return yield* Effect.fail(`unknown example ${name}; known: ${Object.keys(examples).join(", ")}`)
    }
    yield* Console.log(`== ${name} (on ${redisDescription})`)
    yield* examples[name as keyof typeof examples]
  }
}).pipe(Effect.provide(redisLayer))

NodeRuntime.runMain(program)
