/**
 * Per-key order for the `handle` stage (#16): with `orderBy`, events of one
 * key are handled one at a time, in the order they were pulled (stream order
 * within a stream), and events of different keys side by side.
 *
 * Each pulled chunk takes its turns at once, in pull order, before any of
 * its events runs: an event's turn is to wait for the previous event of its
 * key to be done. Taking turns at pull time (not when a handler starts) is
 * what keeps the order when several chunks are in flight, and it cannot
 * deadlock: the earliest unfinished event of any key waits for nothing.
 * A key's entry is dropped once its last event is done, so memory follows
 * the events in flight, not the keys ever seen.
 *
 * @internal
 */
import { Deferred, Effect, Exit } from "effect"
import type * as Arr from "effect/Array"
import type { Carrier, SinkEvent } from "../Event.js"

interface Turn {
  readonly key: unknown
  readonly previous: Deferred.Deferred<void> | undefined
  readonly done: Deferred.Deferred<void>
}

export interface Ordering<A> {
  /** Takes the turns of a pulled chunk's events, in order. */
  readonly takeTurns: (chunk: Arr.NonEmptyReadonlyArray<A>) => void
  /** Runs `effect` for `carrier` once the previous event of its key is done. */
  readonly inTurn: <X, E, R>(carrier: A, effect: Effect.Effect<X, E, R>) => Effect.Effect<X, E, R>
}

export const make = <A extends Carrier<SinkEvent>>(orderBy: (carrier: A) => unknown): Ordering<A> => {
  const latest = new Map<unknown, Deferred.Deferred<void>>()
  const turns = new WeakMap<A, Turn>()

  const keyOf = (carrier: A): { readonly key: unknown } | undefined => {
    try {
      return { key: orderBy(carrier) }
    } catch {
      // A key function that throws leaves the event unordered rather than stopping the sink.
      return undefined
    }
  }

  const takeTurns = (chunk: Arr.NonEmptyReadonlyArray<A>): void => {
    for (const carrier of chunk) {
      const keyed = keyOf(carrier)
      if (keyed === undefined) continue
      const done = Deferred.makeUnsafe<void>()
      turns.set(carrier, { key: keyed.key, previous: latest.get(keyed.key), done })
      latest.set(keyed.key, done)
    }
  }

  const inTurn = <X, E, R>(carrier: A, effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> => {
    const turn = turns.get(carrier)
    if (turn === undefined) return effect
    turns.delete(carrier)
    const finish = Effect.sync(() => {
      Deferred.doneUnsafe(turn.done, Exit.void)
      if (latest.get(turn.key) === turn.done) latest.delete(turn.key)
    })
    const run = turn.previous === undefined ? effect : Effect.andThen(Deferred.await(turn.previous), effect)
    return Effect.ensuring(run, finish)
  }

  return { takeTurns, inTurn }
}
