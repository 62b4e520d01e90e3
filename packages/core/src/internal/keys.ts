/**
 * The Redis keys the library writes, in one place so that the README's list
 * and the code cannot drift apart. The stream key layout is Go Pulse's.
 *
 * @internal
 */

/** The Redis key of the stream named `name`: `pulse:stream:<name>`. */
export const streamKey = (name: string): string => `pulse:stream:${name}`

/** The name of the stream whose Redis key is `key` (the inverse of {@link streamKey}). */
export const streamNameOfKey = (key: string): string => key.slice("pulse:stream:".length)

/** Entry fields, as Go Pulse writes them. */
export const fieldEventName = "n"
export const fieldPayload = "p"
export const fieldTopic = "t"
