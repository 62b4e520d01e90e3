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
  readonly createdAt: DateTime.Utc
  constructor(
    readonly id: string,
    readonly streamName: string,
    readonly sinkName: string | undefined,
    readonly eventName: string,
    readonly topic: string | undefined,
    readonly payload: Uint8Array
  ) {
    this.createdAt = timeOfId(id)
  }
}

/** A sink's event: the acknowledger is an own field, so a spread copy keeps it. */
class DeliveredEvent extends ReadEvent implements SinkEvent {
  declare readonly sinkName: string
  readonly [AcknowledgerId]: Acknowledger

  constructor(
    id: string,
    streamName: string,
    sinkName: string,
    eventName: string,
    topic: string | undefined,
    payload: Uint8Array,
    acknowledger: Acknowledger
  ) {
    super(id, streamName, sinkName, eventName, topic, payload)
    this[AcknowledgerId] = acknowledger
  }
}

/** The event carried by a stream entry. Unknown fields are ignored, missing ones read as empty. */
export const toEvent = (streamName: string, sinkName: string | undefined, entry: StreamEntry): Event => {
  const { eventName, payload, topic } = readFields(entry)
  return new ReadEvent(entry.id, streamName, sinkName, eventName, topic, payload)
}

/** The event carried by an entry a sink delivered, with the sink's means of acknowledging it. */
export const toSinkEvent = (
  streamName: string,
  sinkName: string,
  entry: StreamEntry,
  acknowledger: Acknowledger
): SinkEvent => {
  const { eventName, payload, topic } = readFields(entry)
  return new DeliveredEvent(entry.id, streamName, sinkName, eventName, topic, payload, acknowledger)
}

/** What `readFields` found; one object, reused: it is read at once by the caller. */
const found: { eventName: string; payload: Uint8Array; topic: string | undefined } = {
  eventName: "",
  payload: empty,
  topic: undefined
}

const readFields = (entry: StreamEntry) => {
  found.eventName = ""
  found.payload = empty
  found.topic = undefined
  const fields = entry.fields
  for (let i = 0; i < fields.length; i++) {
    const pair = fields[i]!
    const field = pair[0]
    const value = pair[1]
    if (field === fieldEventName) found.eventName = eventNames.decode(value)
    else if (field === fieldPayload) found.payload = value
    else if (field === fieldTopic) found.topic = topics.decode(value)
  }
  return found
}

/** How many entries a read returned, over all its streams. */
export const countEntries = (reads: ReadonlyArray<{ readonly entries: ReadonlyArray<unknown> }>): number =>
  reads.reduce((total, read) => total + read.entries.length, 0)
