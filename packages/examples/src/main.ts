/**
 * The examples' command: `node dist/main.js` runs every example in turn,
 * `node dist/main.js <name>...` the ones named. They run on the in-memory
 * Redis, or on the server named by `REDIS_URL`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, References } from "effect"
import { redisDescription, redisLayer } from "./redis.js"
import { run } from "./run.js"

const program = Effect.gen(function* () {
  yield* run(process.argv.slice(2), yield* redisDescription)
}).pipe(
  Effect.provide(redisLayer),
  // The library logs a warning for each event handed back and each dead
  // letter, with IDs and stack traces; the examples print those moments
  // themselves, so only errors are logged.
  Effect.provideService(References.MinimumLogLevel, "Error")
)

NodeRuntime.runMain(program)
