/**
 * Conversion between stream entries and events, in the field layout of Go
 * Pulse (`n` event name, `p` payload, `t` topic).
 *
 * @internal
 */
import type { DateTime } from "effect"
import type { Event, SinkEvent } from "../Event.js"
import { AcknowledgerId, timeOfId } from "../Event.js"
import type { FieldsInput, StreamEntry } from "../RedisClient.js"
import type { Acknowledger } from "./acknowledger.js"
import { unheld } from "./heldEntries.js"
import { fieldEventName, fieldPayload, fieldTopic } from "./keys.js"
import { decodeUtf8 } from "./utf8.js"

const empty: Uint8Array = new Uint8Array(0)

/** The fields of a new entry; the topic field is only written when there is a topic, as Pulse does. */
export const toFields = (eventName: string, payload: Uint8Array | string, topic: string | undefined): FieldsInput =>
  topic === undefined || topic === ""
    ? [
        [fieldEventName, eventName],
        [fieldPayload, payload]
      ]
    : [
        [fieldEventName, eventName],
        [fieldPayload, payload],
        [fieldTopic, topic]
      ]

/**
 * Short UTF-8 names (event names, topics) as text, remembering the last one:
 * events read together mostly share their name, and comparing a few bytes
 * is cheaper than building the string again. Names are nearly always
 * ASCII: those are read byte by byte, cheaper than a call into
 * `TextDecoder` (which the rest gets; both give the same string).
 */
class NameDecoder {
  private readonly lastBytes = new Uint8Array(64)
  private lastLength = -1
  private last = ""

  decode(bytes: Uint8Array): string {
    const length = bytes.length
    if (length > 64) return decodeUtf8(bytes)
    if (length === this.lastLength) {
      let i = 0
      while (i < length && bytes[i] === this.lastBytes[i]) i++
      if (i === length) return this.last
    }
    let text = ""
    for (let i = 0; i < length; i++) {
      const byte = bytes[i]!
      if (byte > 0x7f) return decodeUtf8(bytes)
      text += String.fromCharCode(byte)
    }
    this.lastBytes.set(bytes)
    this.lastLength = length
    this.last = text
    return text
  }
}

const eventNames = new NameDecoder()
const topics = new NameDecoder()

/**
 * An event as readers and sinks hand it out: a class, so that every event
 * has one shape. Every field is an own field, `createdAt` included, so that
 * a spread copy (`{ ...event }`) is a whole `Event`, as its type says.
 */
class ReadEvent implements Event {
  readonly id: string
  readonly eventName: string
  readonly topic: string | undefined
  readonly payload: Uint8Array
  readonly createdAt: DateTime.Utc
  /** Reads the entry's fields in place: unknown fields are ignored, missing ones read as empty. */
  constructor(
    entry: StreamEntry,
    readonly streamName: string,
    readonly sinkName: string | undefined
  ) {
    let eventName = ""
    let payload: Uint8Array = empty
    let topic: string | undefined
    // Indexed loops: a destructuring for-of made an iterator per entry and per field pair.
    const fields = entry.fields
    for (let i = 0; i < fields.length; i++) {
      const pair = fields[i]!
      const field = pair[0]
      if (field === fieldEventName) eventName = eventNames.decode(pair[1])
      else if (field === fieldPayload) payload = pair[1]
      else if (field === fieldTopic) topic = topics.decode(pair[1])
    }
    this.id = entry.id
    this.eventName = eventName
    this.topic = topic
    this.payload = payload
    this.createdAt = timeOfId(entry.id)
  }
}

/**
 * When this consumer was handed an event (Clock millis), kept on the event
 * itself rather than in a side table: a `WeakMap` entry per delivered event
 * cost a sink about a fifth of its CPU in the backlog benchmark (issue 15).
 */
const DeliveredAt: unique symbol = Symbol("@effect-pulse/core/DeliveredAt")
/** How many times the group delivered the event, this delivery included (for retry schedules). */
const Deliveries: unique symbol = Symbol("@effect-pulse/core/Deliveries")

/**
 * The claim keeper's record of an event in hand (see `claimKeeper.ts`), and
 * the `handle` stage holding it (see `sinkStages.ts`): marks on the event, so
 * that taking it in hand costs no hash-table update.
 */
export const InHand: unique symbol = Symbol("@effect-pulse/core/InHand")
export const TakenBy: unique symbol = Symbol("@effect-pulse/core/TakenBy")

/** A sink's event: the acknowledger and delivery marks are own fields, so a spread copy keeps them. */
class DeliveredEvent extends ReadEvent implements SinkEvent {
  declare readonly sinkName: string
  readonly [AcknowledgerId]: Acknowledger;
  [DeliveredAt]: number
  readonly [Deliveries]: number;
  [InHand]: unknown;
  [TakenBy]: unknown

  constructor(
    entry: StreamEntry,
    streamName: string,
    sinkName: string,
    acknowledger: Acknowledger,
    deliveredAt: number,
    deliveries: number
  ) {
    super(entry, streamName, sinkName)
    this[AcknowledgerId] = acknowledger
    this[DeliveredAt] = deliveredAt
    this[Deliveries] = deliveries
    unheld(this)
    this[InHand] = undefined
    this[TakenBy] = undefined
  }
}

type DeliveryMarks = { [DeliveredAt]?: number; readonly [Deliveries]?: number }

/** When this consumer was handed `event` (or last re-claimed it); undefined for an event it did not deliver. */
export const deliveredAtOf = (event: Event): number | undefined => (event as DeliveryMarks)[DeliveredAt]

/** Records that this consumer holds `event` afresh from `time` (its claim was just renewed). */
export const markDeliveredAt = (event: Event, time: number): void => {
  if (DeliveredAt in event) (event as DeliveryMarks)[DeliveredAt] = time
}

/** How many times the group delivered `event`, this delivery included (1 for an event it did not deliver). */
export const deliveriesOf = (event: Event): number => (event as DeliveryMarks)[Deliveries] ?? 1

/** The event carried by a stream entry. Unknown fields are ignored, missing ones read as empty. */
export const toEvent = (streamName: string, sinkName: string | undefined, entry: StreamEntry): Event =>
  new ReadEvent(entry, streamName, sinkName)

/** The event carried by an entry a sink delivered, with the sink's means of acknowledging it. */
export const toSinkEvent = (
  streamName: string,
  sinkName: string,
  entry: StreamEntry,
  acknowledger: Acknowledger,
  deliveredAt: number,
  deliveries: number
): SinkEvent => new DeliveredEvent(entry, streamName, sinkName, acknowledger, deliveredAt, deliveries)

/** How many entries a read returned, over all its streams. */
export const countEntries = (reads: ReadonlyArray<{ readonly entries: ReadonlyArray<unknown> }>): number =>
  reads.reduce((total, read) => total + read.entries.length, 0)
