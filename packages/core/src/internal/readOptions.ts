/**
 * The options readers and sinks share, checked and given their defaults.
 *
 * @internal
 */

import type { Duration } from "effect"
import { Effect } from "effect"
import type { InvalidOption, InvalidTopicPattern } from "../Errors.js"
import * as StartAt from "../StartAt.js"
import * as Topic from "../Topic.js"
import { validateDuration, validateInteger } from "./validation.js"

/**
 * Options of readers (and, with more, of sinks).
 */
export interface ReadOptions {
  /** Where reading starts; `StartAt.newest` by default (resolved when the reader or sink is created). */
  readonly start?: StartAt.StartAt | undefined
  /** How long one poll waits on Redis for new events; 5 seconds by default, `0` waits forever. */
  readonly blockDuration?: Duration.Input | undefined
  /** The most events read from each stream in one poll; 1000 by default. */
  readonly maxPolled?: number | undefined
  /** The most events held in memory per consumer stream; polling pauses while it is full. 1000 by default. */
  readonly bufferSize?: number | undefined
  /** Which topics to deliver: a `Topic` matcher, a string (exact topic) or a `RegExp`; every topic by default. */
  readonly topic?: Topic.Input | undefined
}

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
): Effect.Effect<ResolvedReadOptions, InvalidOption | InvalidTopicPattern> =>
  Effect.all({
    start: StartAt.validate(options?.start ?? StartAt.newest),
    // An infinite block is Redis's `BLOCK 0`.
    blockMillis: validateDuration("blockDuration", options?.blockDuration ?? defaults.blockDuration, 0, 0),
    maxPolled: validateInteger("maxPolled", options?.maxPolled ?? defaults.maxPolled, 1),
    bufferSize: validateInteger("bufferSize", options?.bufferSize ?? defaults.bufferSize, 1),
    topic: Topic.validate(Topic.fromInput(options?.topic ?? Topic.any))
  })
