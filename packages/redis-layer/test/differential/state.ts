/**
 * What one implementation's run of a sequence remembers about each key: the
 * IDs its adds returned, so that `{ ref: n }` arguments name the same entry
 * on both implementations, and the IDs it generated for `*` adds, which
 * differ between the two (each has its own clock) and are compared by the
 * order they were generated in (`auto#0`, `auto#1`, ...).
 *
 * All of it is per key, and forgotten when the key may have been deleted:
 * two streams, or a stream and the one created after it was deleted, may
 * generate the same ID in the same millisecond on one implementation and not
 * on the other, so an ID only means something within one stream's life.
 */
import type { IdArgument } from "./domains.js"

interface KeyHistory {
  /** Every ID an add returned, oldest first. */
  readonly added: Array<string>
  /** Generated IDs and their names. */
  readonly names: Map<string, string>
}

export interface RunState {
  /** The number of the command being run, from 1. */
  step: number
  readonly keys: Map<string, KeyHistory>
}

export const makeRunState = (): RunState => ({ step: 0, keys: new Map() })

const history = (state: RunState, key: string): KeyHistory => {
  let found = state.keys.get(key)
  if (found === undefined) {
    found = { added: [], names: new Map() }
    state.keys.set(key, found)
  }
  return found
}

/** Records the IDs an add on `key` returned; `generated` when Redis picked them. */
export const remember = (state: RunState, key: string, ids: ReadonlyArray<string | null>, generated: boolean): void => {
  const { added, names } = history(state, key)
  for (const id of ids) {
    if (id === null) continue
    added.push(id)
    if (generated) names.set(id, `auto#${names.size}`)
  }
}

/** Forgets what was added to `key`, whose stream may be gone. */
export const forget = (state: RunState, key: string): void => {
  state.keys.delete(key)
}

/** The names of the IDs generated on `key`. */
export const generatedNames = (state: RunState, key: string): ReadonlyMap<string, string> => history(state, key).names

/** An ID argument of a command on `key`: references name IDs added to that key. */
export const resolveId = (state: RunState, key: string, id: IdArgument): string => {
  if (typeof id === "string") return id
  const exclusive = "exclusiveRef" in id
  const n = exclusive ? id.exclusiveRef : id.ref
  const { added } = history(state, key)
  // With nothing added yet, a reference names an ID no entry has.
  const resolved = added.length === 0 ? "1-1" : added[added.length - 1 - (n % added.length)]!
  return exclusive ? `(${resolved}` : resolved
}
