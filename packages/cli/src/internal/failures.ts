/**
 * What the command and the dashboard say about a failure: its tag (the
 * typed errors of effect-pulse carry one) and its message, whatever it is.
 */

/** The `_tag` of a typed error, or `""`. */
export const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""

/** The message of an error, or the value as text. */
export const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
