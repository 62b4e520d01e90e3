/**
 * The entries a sink consumer holds: delivered to it and not acked yet. A
 * group destroyed from outside takes its pending list with it, so the sink
 * recreates the group before the oldest entry it still holds (see
 * `sinkGroups.recreatePosition`): that is what this bookkeeping is for.
 *
 * It is kept per delivery (the entries of one read or claim), with each
 * event marked with its delivery and its place in it, so that delivering and
 * acking cost a few array writes per event. A `Map` keyed by entry ID did the
 * same with two hash-table updates per event, about a tenth of a backlog
 * consumer's CPU (issue 15).
 *
 * An entry delivered again (claimed after its grace period) is held once per
 * delivery until each of its events is acked or forgotten: the oldest held
 * entry can only be older than it should, which recreates a group earlier
 * (a duplicate more), never later (an event lost).
 *
 * @internal
 */
import type { Event } from "../Event.js"
import { compare } from "./entryIds.js"

/** The entries of one delivery, and which of them are settled (acked, dead-lettered or forgotten). */
class Delivery {
  readonly ids: Array<string> = []
  readonly settled: Array<boolean> = []
  /** Every entry before this index is settled. */
  settledBelow = 0
  unsettled = 0

  constructor(readonly deliveredAt: number) {}
}

const HeldIn: unique symbol = Symbol("@effect-pulse/core/HeldIn")
const HeldAt: unique symbol = Symbol("@effect-pulse/core/HeldAt")

/** The marks `hold` puts on an event: own fields, so that a spread copy settles the same entry. */
type HoldMarks = { [HeldIn]?: Delivery | undefined; [HeldAt]?: number }

/** Gives a new event its (empty) hold marks, so that every sink event has the same shape. */
export const unheld = (event: object): void => {
  const marks = event as HoldMarks
  marks[HeldIn] = undefined
  marks[HeldAt] = -1
}

/** What one consumer holds of one stream. */
export class HeldEntries {
  private readonly deliveries = new Set<Delivery>()

  /** Starts recording a delivery made at `time` (Clock millis). */
  newDelivery(time: number): Delivery {
    return new Delivery(time)
  }

  /** Records that `event`, of `delivery`, is held until it is settled. */
  hold(delivery: Delivery, event: Event): void {
    const marks = event as HoldMarks
    marks[HeldIn] = delivery
    marks[HeldAt] = delivery.ids.length
    delivery.ids.push(event.id)
    delivery.settled.push(false)
    if (delivery.unsettled++ === 0) this.deliveries.add(delivery)
  }

  /** Forgets `events` (acked or dead-lettered); events this consumer does not hold are ignored. */
  settle(events: Iterable<Event>): void {
    for (const event of events) {
      const marks = event as HoldMarks
      const delivery = marks[HeldIn]
      if (delivery !== undefined) this.settleAt(delivery, marks[HeldAt]!)
    }
  }

  /** Forgets the entries `ids` wherever they are held: for those settled without their events at hand. */
  settleIds(ids: ReadonlyArray<string>): void {
    if (ids.length === 0) return
    const wanted = new Set(ids)
    for (const delivery of this.deliveries) {
      for (let index = delivery.settledBelow; index < delivery.ids.length; index++) {
        if (!delivery.settled[index] && wanted.has(delivery.ids[index]!)) this.settleAt(delivery, index)
      }
    }
  }

  private settleAt(delivery: Delivery, index: number): void {
    if (delivery.settled[index]) return
    delivery.settled[index] = true
    while (delivery.settledBelow < delivery.settled.length && delivery.settled[delivery.settledBelow]) {
      delivery.settledBelow++
    }
    if (--delivery.unsettled === 0) this.deliveries.delete(delivery)
  }

  /** The oldest entry held, if any. */
  oldest(): string | undefined {
    let oldest: string | undefined
    for (const delivery of this.deliveries) {
      for (let index = delivery.settledBelow; index < delivery.ids.length; index++) {
        const id = delivery.ids[index]!
        if (!delivery.settled[index] && (oldest === undefined || compare(id, oldest) < 0)) oldest = id
      }
    }
    return oldest
  }

  /** Forgets the deliveries made before `time`: others have surely claimed those entries by now. */
  forgetDeliveredBefore(time: number): void {
    for (const delivery of this.deliveries) if (delivery.deliveredAt < time) this.deliveries.delete(delivery)
  }

  /** Forgets everything (the key was created again: what was held belongs to the old one). */
  clear(): void {
    this.deliveries.clear()
  }

  /** How many entries are held. */
  get size(): number {
    let size = 0
    for (const delivery of this.deliveries) size += delivery.unsettled
    return size
  }
}
