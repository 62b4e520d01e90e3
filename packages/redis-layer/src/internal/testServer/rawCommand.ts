/**
 * One Redis command over a fresh socket, for the test harness: a few lines
 * of RESP instead of a client, so that the harness's own probes never share
 * a connection (or a reconnection policy) with the code under test.
 *
 * @internal
 */
import * as net from "node:net"
import * as tls from "node:tls"

/**
 * A reply as text: the line of a simple-string, integer or error reply with
 * its type character (`+PONG`, `:3`, `-ERR ...`), or the content of a bulk
 * string (`INFO`).
 */
export type ReplyLine = string

const encode = (args: ReadonlyArray<string>): string =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`

/** The reply in `received`, or `undefined` while it is incomplete. */
const parse = (received: Buffer): ReplyLine | undefined => {
  const end = received.indexOf("\r\n")
  if (end === -1) return undefined
  const line = received.toString("utf8", 0, end)
  if (!line.startsWith("$")) return line
  const length = Number(line.slice(1))
  if (length < 0) return ""
  if (received.length < end + 2 + length + 2) return undefined
  return received.toString("utf8", end + 2, end + 2 + length)
}

/**
 * Sends `args` to `host:port` and resolves with the reply (see `ReplyLine`:
 * enough for `PING`, `INFO`, `FLUSHALL` and `CLIENT KILL`). Rejects when the
 * connection fails or no reply comes within `timeoutMillis`. With
 * `tlsOptions`, talks TLS (to a server with only a TLS port).
 */
export const rawCommand = (
  host: string,
  port: number,
  args: ReadonlyArray<string>,
  timeoutMillis: number,
  tlsOptions?: tls.ConnectionOptions
): Promise<ReplyLine> =>
  new Promise((resolve, reject) => {
    const socket = tlsOptions === undefined ? net.connect({ host, port }) : tls.connect({ host, port, ...tlsOptions })
    const connected = tlsOptions === undefined ? "connect" : "secureConnect"
    let received = Buffer.alloc(0)
    let done = false
    const finish = (error: Error | undefined, reply?: ReplyLine) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(reply!)
    }
    const timer = setTimeout(
      () => finish(new Error(`no reply from ${host}:${port} within ${timeoutMillis} ms`)),
      timeoutMillis
    )
    socket.on(connected, () => socket.write(encode(args)))
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const reply = parse(received)
      if (reply !== undefined) finish(undefined, reply)
    })
    socket.on("error", (error) => finish(error))
    socket.on("close", () => finish(new Error(`${host}:${port} closed the connection without a reply`)))
  })

/** Whether a Redis answers `PING` at `host:port` right now. */
export const answersPing = (host: string, port: number): Promise<boolean> =>
  rawCommand(host, port, ["PING"], 1000).then(
    (line) => line === "+PONG",
    () => false
  )

/**
 * Waits until `probe` resolves `true`, probing again every 10 ms (each probe
 * is a real round trip, not a guess at how long startup takes). Rejects
 * after `timeoutMillis` with "`what` within ... ms", or as soon as `gaveUp()`
 * returns a reason (the process died).
 */
export const waitFor = async (
  probe: () => Promise<boolean>,
  what: string,
  timeoutMillis: number,
  gaveUp: () => string | undefined = () => undefined
): Promise<void> => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    const reason = gaveUp()
    if (reason !== undefined) throw new Error(reason)
    if (await probe()) return
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMillis} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
