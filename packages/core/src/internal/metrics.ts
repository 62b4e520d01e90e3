/**
 * The library's counters. Each carries a `stream` attribute (and `sink` for
 * sink counters), so one registry shows every stream separately.
 *
 * @internal
 */
import { Metric } from "effect"

export const eventsAdded = Metric.counter("pulse_events_added", {
  description: "Events added to a stream",
  incremental: true
})

export const eventsRead = Metric.counter("pulse_events_read", {
  description: "Events read by readers (before topic filtering)",
  incremental: true
})

/** A counter narrowed to the series of one stream (and sink). */
export const forStream = (counter: Metric.Counter<number>, stream: string, sink?: string): Metric.Counter<number> =>
  Metric.withAttributes(counter, sink === undefined ? { stream } : { stream, sink })

export const eventsDelivered = Metric.counter("pulse_sink_events_delivered", {
  description: "Events a sink delivered to its consumers (first deliveries and redeliveries)",
  incremental: true
})

export const eventsAcked = Metric.counter("pulse_sink_events_acked", {
  description: "Events acknowledged, by the application or because the sink's topic filter rejected them",
  incremental: true
})

export const eventsNacked = Metric.counter("pulse_sink_events_nacked", {
  description: "Events handed back for redelivery",
  incremental: true
})

export const eventsClaimed = Metric.counter("pulse_sink_events_claimed", {
  description: "Events claimed from consumers that did not ack them in time",
  incremental: true
})

export const eventsDeadLettered = Metric.counter("pulse_sink_events_dead_lettered", {
  description: "Events moved to the dead-letter stream after maxDeliveries deliveries",
  incremental: true
})
