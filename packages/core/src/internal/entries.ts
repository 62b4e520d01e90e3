/**
 * Conversion between stream entries and events, in the field layout of Go
 * Pulse (`n` event name, `p` payload, `t` topic).
 *
 * @internal
 */
import type { DateTime } from "effect"
import type { Event } from "../Event.js"
import { timeOfId } from "../Event.js"
import type { FieldsInput, StreamEntry } from "../RedisClient.js"
import { fieldEventName, fieldPayload, fieldTopic } from "./keys.js"

const utf8 = new TextDecoder()
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
 * UTF-8 bytes as text. Event names and topics are short and nearly always
 * ASCII: those are read byte by byte, cheaper than a call into
 * `TextDecoder` (which the rest gets; both give the same string).
 */
const decodeText = (bytes: Uint8Array): string => {
  if (bytes.length > 64) return utf8.decode(bytes)
  let text = ""
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte > 0x7f) return utf8.decode(bytes)
    text += String.fromCharCode(byte)
  }
  return text
}

/**
 * An event as readers and sinks hand it out. `createdAt` is a getter on the
 * prototype: building a `DateTime` cost several times the rest of the event
 * together, and most consumers never look at it. (So a spread copy,
 * `{ ...event }`, leaves it out, as it leaves out any getter.)
 */
class ReadEvent implements Event {
  constructor(
    readonly id: string,
    readonly streamName: string,
    readonly sinkName: string | undefined,
    readonly eventName: string,
    readonly topic: string | undefined,
    readonly payload: Uint8Array
  ) {}

  get createdAt(): DateTime.Utc {
    return timeOfId(this.id)
  }
}

/** The event carried by a stream entry. Unknown fields are ignored, missing ones read as empty. */
export const toEvent = (streamName: string, sinkName: string | undefined, entry: StreamEntry): Event => {
  let eventName = ""
  let payload: Uint8Array = empty
  let topic: string | undefined
  for (const [field, value] of entry.fields) {
    if (field === fieldEventName) eventName = decodeText(value)
    else if (field === fieldPayload) payload = value
    else if (field === fieldTopic) topic = decodeText(value)
  }
  return new ReadEvent(entry.id, streamName, sinkName, eventName, topic, payload)
}
