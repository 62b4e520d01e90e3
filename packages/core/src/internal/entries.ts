/**
 * Conversion between stream entries and events, in the field layout of Go
 * Pulse (`n` event name, `p` payload, `t` topic).
 *
 * @internal
 */
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

/** The event carried by a stream entry. Unknown fields are ignored, missing ones read as empty. */
export const toEvent = (streamName: string, sinkName: string | undefined, entry: StreamEntry): Event => {
  const { eventName, payload, topic } = readFields(entry)
  return { id: entry.id, streamName, sinkName, eventName, topic, payload, createdAt: timeOfId(entry.id) }
}

/** The event carried by an entry a sink delivered, with the sink's means of acknowledging it. */
export const toSinkEvent = (
  streamName: string,
  sinkName: string,
  entry: StreamEntry,
  acknowledger: Acknowledger
): SinkEvent => {
  const { eventName, payload, topic } = readFields(entry)
  return {
    id: entry.id,
    streamName,
    sinkName,
    eventName,
    topic,
    payload,
    createdAt: timeOfId(entry.id),
    [AcknowledgerId]: acknowledger
  }
}

const readFields = (entry: StreamEntry) => {
  let eventName = ""
  let payload: Uint8Array = empty
  let topic: string | undefined
  for (const [field, value] of entry.fields) {
    if (field === fieldEventName) eventName = decodeUtf8(value)
    else if (field === fieldPayload) payload = value
    else if (field === fieldTopic) topic = decodeUtf8(value)
  }
  return { eventName, payload, topic }
}

/** How many entries a read returned, over all its streams. */
export const countEntries = (reads: ReadonlyArray<{ readonly entries: ReadonlyArray<unknown> }>): number =>
  reads.reduce((total, read) => total + read.entries.length, 0)
