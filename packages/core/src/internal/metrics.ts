/**
 * The library's counters. Each carries a `stream` attribute (and `sink` for
 * sink counters), so one registry shows every stream separately.
 *
 * @internal
 */
import { Metric } from "effect"

/** Every counter of the library only ever goes up. */
const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

export const eventsAdded = counter("pulse_events_added", "Events added to a stream")

export const eventsRead = counter("pulse_events_read", "Events read by readers (before topic filtering)")

/** A counter narrowed to the series of one stream (and sink). */
export const forStream = (counter: Metric.Counter<number>, stream: string, sink?: string): Metric.Counter<number> =>
  Metric.withAttributes(counter, sink === undefined ? { stream } : { stream, sink })

export const eventsDelivered = counter(
  "pulse_sink_events_delivered",
  "Events a sink delivered to its consumers (first deliveries and redeliveries)"
)

export const eventsAcked = counter(
  "pulse_sink_events_acked",
  "Events acknowledged, by the application or because the sink's topic filter rejected them"
)

export const eventsNacked = counter("pulse_sink_events_nacked", "Events handed back for redelivery")

export const eventsClaimed = counter(
  "pulse_sink_events_claimed",
  "Events claimed from consumers that did not ack them in time"
)

export const eventsDeadLettered = counter(
  "pulse_sink_events_dead_lettered",
  "Events moved to the dead-letter stream after maxDeliveries deliveries"
)

export const readsRetried = counter(
  "pulse_reads_retried",
  "Reads and background commands of readers and sinks retried after a lost connection or an UNBLOCKED reply"
)

export const groupsRecreated = counter(
  "pulse_sink_groups_recreated",
  "Consumer groups a sink recreated after a fault: its stream key vanished and came back (reason stream_vanished), or the group was destroyed from outside (reason group_destroyed)"
)
