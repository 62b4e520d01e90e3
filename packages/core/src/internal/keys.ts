/**
 * The Redis keys the library writes, in one place so that the README's list
 * and the code cannot drift apart. The stream key layout is Go Pulse's.
 *
 * @internal
 */

/** The Redis key of the stream named `name`: `pulse:stream:<name>`. */
export const streamKey = (name: string): string => `pulse:stream:${name}`

/** The name of the stream whose Redis key is `key` (the inverse of {@link streamKey}). */
export const streamNameOfKey = (key: string): string => key.slice("pulse:stream:".length)

/** Entry fields, as Go Pulse writes them. */
export const fieldEventName = "n"
export const fieldPayload = "p"
export const fieldTopic = "t"

/**
 * The hash of a sink's consumer keep-alives: field = consumer name, value =
 * the time (epoch milliseconds) of its last heartbeat.
 */
export const sinkKeepAliveKey = (sink: string): string => `pulse:sink:${sink}:keepalive`

/** The lease that lets one consumer of a sink at a time run the claim check. */
export const sinkLeaseKey = (sink: string): string => `pulse:sink:${sink}:lease`

/*
 * Go Pulse's sink bookkeeping (v1.6.5, `streaming/sink.go`), shared with Go
 * consumers of the same sink. A replicated map named `<name>` is the hash
 * `map:<name>:content` plus the channel `map:<name>:updates` (see
 * `replicatedMap.ts`).
 */

/** The replicated map of a sink's consumer keep-alives: consumer -> UnixNano of its last beat. */
export const goKeepAliveMapName = (sink: string): string => `sink:${sink}:keepalive`

/** The claim-check lease of a sink: a string holding the lease's expiry (epoch ms), with a PX expiry. */
export const goSinkLeaseKey = (sink: string): string => `sink:${sink}:stalelease`

/** The replicated map of a stream's sinks: sink -> JSON list of its consumers on that stream. */
export const goSinksMapName = (stream: string): string => `stream:${stream}:sinks`

/** The name of the stream that receives a stream's dead letters. */
export const deadLetterStreamName = (stream: string): string => `${stream}:dead`

/** Fields a dead letter carries besides the original event's. */
export const fieldDeadSink = "sink"
export const fieldDeadDeliveries = "deliveries"
export const fieldDeadOriginalId = "id"
