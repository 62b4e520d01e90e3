/**
 * The options readers and sinks share, checked and given their defaults.
 *
 * @internal
 */

import { Effect } from "effect"
import type { InvalidOption } from "../Errors.js"
import type { Options as ReadOptions } from "../Reader.js"
import * as StartAt from "../StartAt.js"
import * as Topic from "../Topic.js"
import { validateDuration, validateInteger } from "./validation.js"

/** The options of readers, which sinks extend. */
export type { ReadOptions }

export interface ResolvedReadOptions {
  readonly start: StartAt.StartAt
  readonly blockMillis: number
  readonly maxPolled: number
  readonly bufferSize: number
  readonly topic: Topic.Matcher
}

export const defaults = {
  blockDuration: "5 seconds",
  maxPolled: 1000,
  bufferSize: 1000
} as const

export const resolveReadOptions = (
  options: ReadOptions | undefined
): Effect.Effect<ResolvedReadOptions, InvalidOption> =>
  Effect.all({
    start: StartAt.validate(options?.start ?? StartAt.newest),
    // An infinite block is Redis's `BLOCK 0`.
    blockMillis: validateDuration("blockDuration", options?.blockDuration ?? defaults.blockDuration, 0, 0),
    maxPolled: validateInteger("maxPolled", options?.maxPolled ?? defaults.maxPolled, 1),
    bufferSize: validateInteger("bufferSize", options?.bufferSize ?? defaults.bufferSize, 1),
    topic: Effect.succeed(Topic.fromInput(options?.topic ?? Topic.any))
  })
