/**
 * The `effect-pulse` command: its subcommands, and the exit codes scripts
 * can branch on.
 */
import { Console, Effect } from "effect"
import { CliError, Command } from "effect/cli"
import { dashboard } from "./commands/dashboard.js"
import { dead } from "./commands/dead.js"
import { add, tail } from "./commands/events.js"
import { info, pending, sinks, streams } from "./commands/inspect.js"
import { messageOf, tagOf } from "./internal/failures.js"

/** The root command and its subcommands. */
export const root = Command.make("effect-pulse").pipe(
  Command.withDescription("Inspect and operate effect-pulse streams on Redis"),
  Command.withSubcommands([streams, info, sinks, pending, tail, add, dead, dashboard])
)

/**
 * Exit codes: 0 success, 1 any other failure, 2 a usage error (unknown
 * command or flag, a bad name or option), 3 a stream or sink that does not
 * exist, 4 Redis unreachable.
 */
export const exitCodes = { ok: 0, failure: 1, usage: 2, notFound: 3, unreachable: 4 } as const

/** The exit code for a failure, and whether its message still needs printing. */
export const exitCodeOf = (error: unknown): { readonly code: number; readonly report: boolean } => {
  if (CliError.isCliError(error)) {
    // The runner has printed the help and the parse errors already.
    const parseErrors = error._tag === "ShowHelp" ? error.errors.length : 1
    return { code: parseErrors === 0 ? exitCodes.ok : exitCodes.usage, report: false }
  }
  switch (tagOf(error)) {
    case "InvalidName":
    case "InvalidOption":
    case "InvalidTopicPattern":
      return { code: exitCodes.usage, report: true }
    case "StreamNotFound":
    case "SinkNotFound":
      return { code: exitCodes.notFound, report: true }
    case "RedisConnectionError":
      return { code: exitCodes.unreachable, report: true }
    default:
      return { code: exitCodes.failure, report: true }
  }
}

/** Runs the command line; succeeds with the exit code, having printed any failure on standard error. */
export const main = (version: string) =>
  Command.run(root, { version }).pipe(
    Effect.as(exitCodes.ok as number),
    Effect.catch((error: unknown) => {
      const { code, report } = exitCodeOf(error)
      return report ? Effect.as(Console.error(`effect-pulse: ${messageOf(error)}`), code) : Effect.succeed(code)
    })
  )
