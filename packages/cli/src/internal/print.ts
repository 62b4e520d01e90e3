/**
 * Output: JSON (one document, or one line per event when following) for
 * scripts, text for people, both on standard output.
 */
import { Console, type Effect } from "effect"

/** Prints `value` as JSON when `json`, else the text `render` makes of it. */
export const print = <A>(json: boolean, value: A, render: (value: A) => string): Effect.Effect<void> =>
  Console.log(json ? JSON.stringify(value, null, 2) : render(value))
