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
