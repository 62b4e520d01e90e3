/**
 * A map from stream IDs to values, kept in ID order: the pending lists of
 * groups and consumers, which Redis keeps in radix trees and scans from a
 * given ID.
 *
 * @internal
 */
import { compareIds, type StreamId } from "./ids.js"

/** Values by stream ID, in ID order, with binary search for lookups and seeks. */
export class IdMap<V> {
  private readonly ids: Array<StreamId> = []
  private readonly values: Array<V> = []

  get size(): number {
    return this.ids.length
  }

  /** The index of the first ID at or after `id`. */
  seek(id: StreamId): number {
    let low = 0
    let high = this.ids.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareIds(this.ids[middle]!, id) < 0) low = middle + 1
      else high = middle
    }
    return low
  }

  idAt(index: number): StreamId {
    return this.ids[index]!
  }

  valueAt(index: number): V {
    return this.values[index]!
  }

  get(id: StreamId): V | undefined {
    const index = this.seek(id)
    return index < this.ids.length && compareIds(this.ids[index]!, id) === 0 ? this.values[index] : undefined
  }

  set(id: StreamId, value: V): void {
    const index = this.seek(id)
    if (index < this.ids.length && compareIds(this.ids[index]!, id) === 0) {
      this.values[index] = value
      return
    }
    this.ids.splice(index, 0, id)
    this.values.splice(index, 0, value)
  }

  delete(id: StreamId): boolean {
    const index = this.seek(id)
    if (index >= this.ids.length || compareIds(this.ids[index]!, id) !== 0) return false
    this.ids.splice(index, 1)
    this.values.splice(index, 1)
    return true
  }

  first(): StreamId | undefined {
    return this.ids[0]
  }

  last(): StreamId | undefined {
    return this.ids[this.ids.length - 1]
  }
}
