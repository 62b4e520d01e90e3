/**
 * What a command did, as plain data that compares equal between the two
 * implementations when they behave the same: the reply with bytes as hex
 * (ioredis gives `Buffer`s, the in-memory store `Uint8Array`s), generated
 * IDs by their order of generation and idle times reduced to "not
 * negative"; or the error's tag, command, code and message; or a defect.
 */
import type { Errors } from "@effect-pulse/core"
import { Cause, Exit, Result } from "effect"
import { generatedNames, type RunState } from "./state.js"

export type Outcome =
  | { readonly reply: unknown }
  | {
      readonly error: {
        readonly _tag: string
        readonly command?: string | undefined
        readonly code?: string | undefined
        readonly message: string
      }
    }
  | { readonly defect: string }

/** Idle times depend on each implementation's clock and on when the command ran. */
const idle = (millis: unknown): unknown => (typeof millis === "number" && millis >= 0 ? "≥0" : millis)

/**
 * `reply` as plain data; `names` maps the IDs generated on the key the reply
 * is about to their names. A read's reply names its keys (`{ key, entries }`).
 */
const normalise = (reply: unknown, state: RunState, names: ReadonlyMap<string, string>): unknown => {
  if (typeof reply === "string") return names.get(reply) ?? reply
  if (reply instanceof Uint8Array) return `bytes:${Buffer.from(reply).toString("hex")}`
  if (Array.isArray(reply)) return reply.map((item) => normalise(item, state, names))
  if (reply !== null && typeof reply === "object") {
    const record = reply as Record<string, unknown>
    const inner = typeof record.key === "string" ? generatedNames(state, record.key) : names
    const result: Record<string, unknown> = {}
    for (const [field, value] of Object.entries(record)) {
      result[field] = field === "idleMillis" ? idle(value) : normalise(value, state, inner)
    }
    return result
  }
  return reply
}

/** The outcome of a command on `key` (if it has one) from its exit. */
export const outcomeOf = (
  exit: Exit.Exit<unknown, Errors.RedisError>,
  state: RunState,
  key: string | undefined
): Outcome => {
  if (Exit.isSuccess(exit)) {
    return { reply: normalise(exit.value, state, key === undefined ? new Map() : generatedNames(state, key)) }
  }
  const error = Cause.findError(exit.cause)
  if (Result.isFailure(error)) return { defect: Cause.pretty(exit.cause) }
  const failure = error.success
  return failure._tag === "RedisCommandError"
    ? { error: { _tag: failure._tag, command: failure.command, code: failure.code, message: failure.message } }
    : { error: { _tag: failure._tag, message: failure.message } }
}
