/**
 * How `EventStream.destroy` tells the sinks opened on that `EventStream`
 * that their stream is gone for good. A key that vanishes for any other
 * reason is a fault the sinks ride out; only a destroy through the library,
 * in this process, ends them (with `StreamDestroyed`).
 *
 * @internal
 */
import { Effect } from "effect"

type Listener = (streamName: string) => Effect.Effect<void>

// Keyed by the `EventStream` object: "opened on that EventStream", not on any stream of that name.
const listeners = new WeakMap<object, Set<Listener>>()

/** Calls `listener` when `stream` is destroyed through the library; the returned function stops that. */
export const onDestroyed = (stream: object, listener: Listener): (() => void) => {
  let set = listeners.get(stream)
  if (set === undefined) {
    set = new Set()
    listeners.set(stream, set)
  }
  set.add(listener)
  return () => {
    set.delete(listener)
  }
}

/** Tells every listener of `stream` that it was destroyed. */
export const notifyDestroyed = (stream: object, streamName: string): Effect.Effect<void> =>
  Effect.suspend(() =>
    Effect.forEach(Array.from(listeners.get(stream) ?? []), (listener) => listener(streamName), { discard: true })
  )

// Keys this process is destroying right now: their sinks see the key vanish
// a moment before they are told why, and should not warn of a fault.
const destroying = new Map<string, number>()

/**
 * Runs `destroy` (which deletes the key `key`) with the key marked as being
 * destroyed by this process, so that sinks seeing it vanish meanwhile know
 * it is no fault ({@link isBeingDestroyed}).
 */
export const destroyingKey = <A, E, R>(key: string, destroy: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => destroying.set(key, (destroying.get(key) ?? 0) + 1)),
    () => destroy,
    () =>
      Effect.sync(() => {
        const count = (destroying.get(key) ?? 1) - 1
        if (count === 0) destroying.delete(key)
        else destroying.set(key, count)
      })
  )

/** Whether this process is destroying the key `key` through the library right now. */
export const isBeingDestroyed = (key: string): boolean => destroying.has(key)
