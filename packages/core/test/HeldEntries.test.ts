/**
 * The bookkeeping of what a sink consumer holds unacked (`heldEntries.ts`):
 * the oldest entry held is what a destroyed group is recreated before, so it
 * must never be later than the oldest event still unacked.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Event } from "../src/Event.js"
import { HeldEntries, unheld } from "../src/internal/heldEntries.js"

const event = (id: string): Event => {
  const made = { id } as unknown as Event
  unheld(made)
  return made
}

const deliver = (held: HeldEntries, time: number, ids: ReadonlyArray<string>): Array<Event> => {
  const delivery = held.newDelivery(time)
  return ids.map((id) => {
    const delivered = event(id)
    held.hold(delivery, delivered)
    return delivered
  })
}

describe("HeldEntries", () => {
  it("the oldest entry held is the oldest not settled, whatever order acks come in", () => {
    const held = new HeldEntries()
    const [a, b, c] = deliver(held, 0, ["1-0", "1-1", "2-0"])
    const [d] = deliver(held, 1, ["3-0"])
    expect(held.oldest()).toBe("1-0")
    held.settle([b!])
    expect(held.oldest()).toBe("1-0")
    held.settle([a!])
    expect(held.oldest()).toBe("2-0")
    held.settle([c!, d!])
    expect(held.oldest()).toBeUndefined()
    expect(held.size).toBe(0)
  })

  it("settling twice, or a spread copy of a settled event, settles nothing more", () => {
    const held = new HeldEntries()
    const [a, b] = deliver(held, 0, ["1-0", "1-1"])
    held.settle([a!, { ...a! }, a!])
    expect(held.size).toBe(1)
    held.settle([{ ...b! }])
    expect(held.size).toBe(0)
  })

  it("events it never held are ignored", () => {
    const held = new HeldEntries()
    deliver(held, 0, ["5-0"])
    held.settle([event("5-0"), { id: "5-0" } as unknown as Event])
    expect(held.oldest()).toBe("5-0")
  })

  it("claims deliver entries in any order: the oldest is the smallest ID still held", () => {
    const held = new HeldEntries()
    const [late, early] = deliver(held, 0, ["9-0", "4-2"])
    expect(held.oldest()).toBe("4-2")
    held.settle([early!])
    expect(held.oldest()).toBe("9-0")
    held.settle([late!])
    expect(held.oldest()).toBeUndefined()
  })

  it("an entry delivered again stays held until both of its events are settled", () => {
    const held = new HeldEntries()
    const [first] = deliver(held, 0, ["1-0"])
    const [again] = deliver(held, 10, ["1-0"])
    held.settle([again!])
    expect(held.oldest()).toBe("1-0")
    held.settle([first!])
    expect(held.oldest()).toBeUndefined()
  })

  it("settles by ID where the events are not at hand", () => {
    const held = new HeldEntries()
    deliver(held, 0, ["1-0", "1-1"])
    deliver(held, 1, ["1-1", "2-0"])
    held.settleIds(["1-1", "7-0"])
    expect(held.size).toBe(2)
    held.settleIds(["1-0"])
    expect(held.oldest()).toBe("2-0")
  })

  it("forgets whole deliveries made before a time, and everything on clear", () => {
    const held = new HeldEntries()
    const [old] = deliver(held, 100, ["1-0"])
    deliver(held, 200, ["2-0"])
    held.forgetDeliveredBefore(150)
    expect(held.oldest()).toBe("2-0")
    held.settle([old!])
    expect(held.size).toBe(1)
    held.clear()
    expect(held.oldest()).toBeUndefined()
  })
})
