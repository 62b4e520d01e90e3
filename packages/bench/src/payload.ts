/**
 * The 100-byte payloads every benchmark sends, and the send time some of them
 * carry for latency measurements.
 *
 * Byte payloads (effect-pulse, raw ioredis) carry the time as a float64 in
 * their first 8 bytes; text payloads (BullMQ, PersistedQueue, whose jobs are
 * JSON) carry it as decimal text before a `|`. Either way the payload is
 * exactly {@link payloadSize} bytes.
 *
 * @since 0.1.0
 */

/**
 * The size of every payload, in bytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const payloadSize = 100

/**
 * A fixed 100-byte payload for throughput runs (one shared buffer: the
 * benchmark measures the transport, not the producer's allocations).
 *
 * @since 0.1.0
 * @category constants
 */
export const bytesPayload: Buffer = Buffer.alloc(payloadSize, "x")

/**
 * The same payload as text, for the libraries whose jobs are JSON.
 *
 * @since 0.1.0
 * @category constants
 */
export const textPayload: string = "x".repeat(payloadSize)

/**
 * A 100-byte payload carrying `sentAt` (a `performance.now()` reading).
 *
 * @since 0.1.0
 * @category constructors
 */
export const timedBytes = (sentAt: number): Buffer => {
  const payload = Buffer.alloc(payloadSize, "x")
  payload.writeDoubleLE(sentAt, 0)
  return payload
}

/**
 * The send time carried by {@link timedBytes}.
 *
 * @since 0.1.0
 * @category getters
 */
export const sentAtOfBytes = (payload: Uint8Array): number =>
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).readDoubleLE(0)

/**
 * A 100-character payload carrying `sentAt` as text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const timedText = (sentAt: number): string => {
  const head = `${sentAt.toFixed(4)}|`
  return head + "x".repeat(payloadSize - head.length)
}

/**
 * The send time carried by {@link timedText}.
 *
 * @since 0.1.0
 * @category getters
 */
export const sentAtOfText = (payload: string): number => Number(payload.slice(0, payload.indexOf("|")))
