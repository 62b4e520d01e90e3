/**
 * Hash slots: which keys Redis Cluster lets one command touch together.
 *
 * @internal
 */
import { createRequire } from "node:module"

// cluster-key-slot is the CRC16 that ioredis itself routes by; it ships without types.
const calculateSlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number

/** The hash slot of `key` (0..16383), from its hash tag (`{orders}`) when it has one. */
export const slotOf = (key: string): number => calculateSlot(key)

/**
 * `items` grouped by the slot of their key, groups in the order their first
 * item appears and items in their order: a multi-key command may only cover
 * one group.
 */
export const groupBySlot = <A>(
  items: ReadonlyArray<A>,
  keyOf: (item: A) => string
): ReadonlyArray<readonly [slot: number, items: ReadonlyArray<A>]> => {
  const groups = new Map<number, Array<A>>()
  for (const item of items) {
    const slot = slotOf(keyOf(item))
    const group = groups.get(slot)
    if (group === undefined) groups.set(slot, [item])
    else group.push(item)
  }
  return Array.from(groups)
}
