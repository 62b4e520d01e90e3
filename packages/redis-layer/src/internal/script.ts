/**
 * Lua scripts, sent in one round trip each.
 *
 * @internal
 */

import { createHash } from "node:crypto"
import type { Errors } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Decoder } from "./decoders.js"
import { isReplyError, type Scrub, withoutScriptLocation } from "./errors.js"
import { type Argument, command } from "./send.js"
import { failure, type Transport } from "./transport.js"

const evalCommand = command("EVAL")
const evalsha = command("EVALSHA")

/** A Lua script and its SHA-1, the name Redis caches it under. */
export interface Script {
  readonly lua: string
  readonly sha: string
}

/** A script from its source. */
export const script = (lua: string): Script => ({ lua, sha: createHash("sha1").update(lua).digest("hex") })

const isNoScript = (error: unknown): boolean => isReplyError(error) && error.message.startsWith("NOSCRIPT")

/**
 * Runs scripts over one transport (the shared connection or the fast lane). The first run of a script sends its source
 * with `EVAL` (which also caches it in Redis); later runs send its SHA with
 * `EVALSHA`, falling back to `EVAL` when Redis answers `NOSCRIPT` (after a
 * restart or `SCRIPT FLUSH`). Either way a run is one command.
 *
 * `args` is `[<reserved>, numberOfKeys, ...keys, ...argv]`: the first slot is
 * filled with the source or the SHA, so the caller builds one array.
 * Failures report the command as `label`, with the message Redis gives
 * that command outside a script (see `withoutScriptLocation`).
 */
export const makeRunner = (transport: Transport, scrub: Scrub) => {
  const cached = new Set<string>()
  const scrubScriptError: Scrub = (text) => withoutScriptLocation(scrub(text))
  return <A>(
    script: Script,
    args: Array<Argument>,
    label: string,
    decoder: Decoder<A>
  ): Effect.Effect<A, Errors.RedisError> =>
    Effect.callback<A, Errors.RedisError>((resume) => {
      const run = (bySha: boolean) => {
        // Both transports encode the arguments before `send` returns, so reusing the array is safe.
        args[0] = bySha ? script.sha : script.lua
        transport.send(bySha ? evalsha : evalCommand, args, decoder, (error, value) => {
          if (error) {
            if (bySha && isNoScript(error)) return run(false)
            return resume(failure(label, error, scrubScriptError))
          }
          cached.add(script.sha)
          resume(Effect.succeed(value as A))
        })
      }
      run(cached.has(script.sha))
    })
}

/** Runs a script on a transport: see `makeRunner`. */
export type Runner = ReturnType<typeof makeRunner>
