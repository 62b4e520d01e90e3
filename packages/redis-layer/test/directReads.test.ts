/**
 * Blocking reads decode their replies from the socket's bytes
 * (`internal/directReads.ts`): the framing must find every reply whatever
 * the chunks it arrives in, and the decoded reads must equal what the same
 * command gives through ioredis on the shared connection, on a real Redis.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect } from "effect"
import { Redis } from "ioredis"
import { blockingOverrides } from "../src/internal/blocking.js"
import { CommandBuffer } from "../src/internal/commandBuffer.js"
import { DirectConnection } from "../src/internal/directReads.js"
import { FrameReader } from "../src/internal/frames.js"
import { uniqueKey, utf8 } from "./helpers.js"

/** Replies of every RESP2 type, bulk strings holding CR LF and digits among them. */
const replies = [
  "+OK\r\n",
  "-ERR no such key\r\n",
  ":42\r\n",
  ":-7\r\n",
  "$-1\r\n",
  "*-1\r\n",
  "*0\r\n",
  "$0\r\n\r\n",
  "$4\r\n\r\n\r\n\r\n",
  "$12\r\n*2\r\n$1\r\nab:1\r\n",
  "*2\r\n*2\r\n$3\r\nkey\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nn\r\n$0\r\n\r\n$1\r\np\r\n$2\r\n\r\n\r\n*-1\r\n",
  "*3\r\n*0\r\n$-1\r\n*1\r\n*1\r\n:1\r\n"
]

const framesOf = (chunks: ReadonlyArray<Buffer>): Array<string> => {
  const frames: Array<string> = []
  const reader = new FrameReader((frame, start, end) => frames.push(frame.toString("latin1", start, end)))
  for (const chunk of chunks) reader.push(chunk)
  return frames
}

describe("FrameReader", () => {
  const all = Buffer.from(replies.join(""), "latin1")

  it("finds every reply in one chunk", () => {
    expect(framesOf([all])).toEqual(replies)
  })

  it("finds every reply whatever byte the stream is cut at, once or twice", () => {
    for (let cut = 1; cut < all.length; cut++) {
      expect(framesOf([all.subarray(0, cut), all.subarray(cut)])).toEqual(replies)
      const second = cut + ((cut * 7) % (all.length - cut))
      expect(framesOf([all.subarray(0, cut), all.subarray(cut, second), all.subarray(second)])).toEqual(replies)
    }
  })

  it("finds every reply fed byte by byte", () => {
    const bytes = Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1))
    expect(framesOf(bytes)).toEqual(replies)
  })

  it("keeps a reply handed over intact while later bytes arrive", () => {
    const views: Array<Buffer> = []
    const reader = new FrameReader((frame, start, end) => views.push(frame.subarray(start, end)))
    const first = Buffer.from("$3\r\nabc\r\n$3\r\nde", "latin1")
    reader.push(first)
    reader.push(Buffer.from("f\r\n$1\r\ng\r\n", "latin1"))
    expect(views.map((view) => view.toString("latin1"))).toEqual(["$3\r\nabc\r\n", "$3\r\ndef\r\n", "$1\r\ng\r\n"])
  })

  it("hands over nothing more of a chunk once its receiver has reset it", () => {
    const frames: Array<string> = []
    const reader: FrameReader = new FrameReader((frame, start, end) => {
      frames.push(frame.toString("latin1", start, end))
      reader.reset()
    })
    reader.push(Buffer.from(":1\r\n:2\r\n", "latin1"))
    reader.push(Buffer.from(":3\r\n", "latin1"))
    expect(frames).toEqual([":1\r\n", ":3\r\n"])
  })
})

describe("CommandBuffer", () => {
  it("writes strings as UTF-8, numbers in decimal and bytes as they are", () => {
    const buffer = new CommandBuffer()
    buffer.append("XREAD", ["COUNT", 10, "clé", Buffer.from([0, 13, 10])])
    expect(buffer.take().toString("latin1")).toBe(
      `*5\r\n$5\r\nXREAD\r\n$5\r\nCOUNT\r\n$2\r\n10\r\n$4\r\n${Buffer.from("clé").toString("latin1")}\r\n$3\r\n\x00\r\n\r\n`
    )
    expect(buffer.isEmpty).toBe(true)
  })

  it("takes every command appended since the last take as one piece, and never rewrites bytes taken", () => {
    const buffer = new CommandBuffer()
    const expected: Array<string> = []
    const taken: Array<{ view: Buffer; text: string }> = []
    const big = Buffer.alloc(100_000, 7)
    // Enough commands, some larger than a whole buffer, to move to new buffers mid-command many times.
    for (let i = 0; i < 3000; i++) {
      const args = i % 500 === 0 ? ["k", big] : ["k", i * 997, "v".repeat(i % 90), `${"a".repeat(i % 70)}é€${i}`]
      buffer.append("SET", args)
      expected.push(
        `*${args.length + 1}\r\n$3\r\nSET\r\n${args
          .map((arg) => {
            const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg))
            return `$${bytes.length}\r\n${bytes.toString("latin1")}\r\n`
          })
          .join("")}`
      )
      if (i % 7 === 0) {
        const view = buffer.take()
        taken.push({ view, text: view.toString("latin1") })
      }
    }
    const last = buffer.take()
    taken.push({ view: last, text: last.toString("latin1") })
    expect(taken.map(({ text }) => text).join("")).toBe(expected.join(""))
    for (const { view, text } of taken) expect(view.toString("latin1")).toBe(text)
  })
})

/** Reads as plain data: bytes as arrays of numbers. */
const plain = (reads: ReadonlyArray<RedisClient.StreamRead<RedisClient.StreamEntry | RedisClient.DeletedEntry>>) =>
  reads.map((read) => ({
    key: read.key,
    entries: read.entries.map((entry) => ({
      id: entry.id,
      fields: entry.fields === null ? null : entry.fields.map(([name, value]) => [name, Array.from(value)])
    }))
  }))

layer(RedisTestServer.layerClientOwned, { excludeTestServices: true })("direct blocking reads", (it) => {
  it.effect("XREAD and XREADGROUP replies decode as ioredis's do: binary, empty, UTF-8, many fields, large", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const keys = [uniqueKey("direct-é"), uniqueKey("direct-b")]
      const big = new Uint8Array(3000).map((_, i) => (i * 31) % 256)
      for (let i = 0; i < 600; i++) {
        yield* redis.xadd(keys[i % 2]!, [
          ["n", i % 3 === 0 ? "créé" : "created"],
          ["p", i % 5 === 0 ? new Uint8Array(0) : i % 7 === 0 ? big : utf8(`payload ${i}\r\n*1\r\n`)],
          ...(i % 4 === 0 ? ([["tópico", `t${i}`]] as const) : []),
          ...(i % 9 === 0 ? ([["x", new Uint8Array([13, 10, 0, 255])]] as const) : [])
        ])
      }
      for (const key of keys) yield* redis.xgroupCreate(key, "g", "0")
      const cursors = keys.map((key) => ({ key, id: "0" }))
      const blocking = yield* redis.blockingConnection
      const direct = yield* blocking.xread(cursors, { count: 1000, blockMillis: 10 })
      const shared = yield* redis.xread(cursors, { count: 1000 })
      expect(direct.reduce((sum, read) => sum + read.entries.length, 0)).toBe(600)
      expect(plain(direct)).toEqual(plain(shared))

      const delivered = yield* blocking.xreadgroup(
        "g",
        "c",
        keys.map((key) => ({ key, id: ">" })),
        { count: 1000, blockMillis: 10 }
      )
      expect(plain(delivered)).toEqual(plain(shared))
      // A history read reports entries deleted since their delivery with nil fields.
      const [first] = shared[0]!.entries
      yield* redis.xdel(keys[0]!, [first!.id])
      const history = cursors.map((cursor) => ({ key: cursor.key, id: "0" }))
      const directHistory = yield* blocking.xreadgroup("g", "c", history, { count: 1000, blockMillis: 10 })
      const sharedHistory = yield* redis.xreadgroup("g", "c", history, { count: 1000 })
      expect(directHistory[0]!.entries[0]).toEqual({ id: first!.id, fields: null })
      expect(plain(directHistory)).toEqual(plain(sharedHistory))
    })
  )

  it.effect("an error reply fails the read with Redis's code and message, and the connection reads on", () =>
    Effect.gen(function* () {
      const redis = yield* RedisClient.RedisClient
      const key = uniqueKey("direct-error")
      yield* redis.xadd(key, [["n", "created"]])
      const blocking = yield* redis.blockingConnection
      const error = yield* Effect.flip(blocking.xreadgroup("missing", "c", [{ key, id: ">" }], { blockMillis: 10 }))
      const shared = yield* Effect.flip(redis.xreadgroup("missing", "c", [{ key, id: ">" }]))
      expect(error).toEqual(shared)
      const [read] = yield* blocking.xread([{ key, id: "0" }], { blockMillis: 10 })
      expect(read!.entries).toHaveLength(1)
    })
  )

  it.effect("a command sent with none in flight is written at once; those sent meanwhile share one write", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const client = yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const client = new Redis({ host: server.host, port: server.port, protocol: 2, ...blockingOverrides })
          client.on("error", () => {})
          await client.connect()
          return client
        }),
        (client) => Effect.sync(() => client.disconnect())
      )
      const direct = DirectConnection.takeOver(client)!
      const socket = client.stream
      let writes = 0
      const write = socket.write.bind(socket)
      socket.write = ((...args: Parameters<typeof socket.write>) => {
        writes++
        return write(...args)
      }) as typeof socket.write
      const echo = (text: string) =>
        Effect.callback<string>((resume) =>
          direct.send("ECHO", [text], (error, frame, start, end) =>
            resume(Effect.succeed(error ? error.message : frame!.toString("latin1", start, end)))
          )
        )
      // One at a time: each command its own write, at once.
      for (const text of ["a", "b", "c"]) expect(yield* echo(text)).toBe(`$1\r\n${text}\r\n`)
      expect(writes).toBe(3)
      // 64 sent in one go: the first written at once, the other 63 together at the end of the task.
      writes = 0
      const replies = Array.from({ length: 64 }, (_, i) => Effect.runPromise(echo(`e${i}`)))
      expect(writes).toBe(1)
      expect(yield* Effect.promise(() => Promise.all(replies))).toEqual(
        Array.from({ length: 64 }, (_, i) => `$${String(i).length + 1}\r\ne${i}\r\n`)
      )
      expect(writes).toBe(2)

      // Always some in flight, never none: the callbacks answered are let go all the same.
      let sent = 0
      let answered = 0
      let longest = 0
      const queued = () => (direct as unknown as { waiting: Array<unknown> }).waiting.length
      yield* Effect.callback<void>((resume) => {
        const next = () => {
          if (sent === 5000) return
          sent++
          direct.send("PING", [], () => {
            answered++
            longest = Math.max(longest, queued())
            if (answered === 5000) resume(Effect.void)
            else next()
          })
        }
        for (let i = 0; i < 8; i++) next()
      })
      // Up to `compactAfter` answered ones wait to be dropped with the next compaction, no more.
      expect(longest).toBeLessThanOrEqual(1024 + 8)
    })
  )

  it.effect("a connection ioredis has made ready and left idle is taken over; one with a key prefix is not", () =>
    Effect.gen(function* () {
      const server = yield* RedisTestServer.RedisTestServer
      const connect = (options: { keyPrefix?: string }) =>
        Effect.acquireRelease(
          Effect.promise(async () => {
            const client = new Redis({
              host: server.host,
              port: server.port,
              protocol: 2,
              ...blockingOverrides,
              ...options
            })
            client.on("error", () => {})
            await client.connect()
            await client.ping()
            return client
          }),
          (client) => Effect.sync(() => client.disconnect())
        )
      const plainClient = yield* connect({})
      const prefixed = yield* connect({ keyPrefix: "app:" })
      expect(DirectConnection.takeOver(prefixed)).toBeUndefined()
      const direct = DirectConnection.takeOver(plainClient)
      expect(direct).toBeDefined()
      const reply = yield* Effect.callback<string>((resume) =>
        direct!.send("ECHO", ["direct"], (error, frame, start, end) =>
          resume(Effect.succeed(error ? error.message : frame!.toString("latin1", start, end)))
        )
      )
      expect(reply).toBe("$6\r\ndirect\r\n")
      // A read waiting when the connection closes fails with ioredis's words for it.
      const closed = yield* Effect.callback<string>((resume) => {
        direct!.send("BLPOP", [uniqueKey("never"), 0], (error) => resume(Effect.succeed(error?.message ?? "")))
        plainClient.disconnect()
      })
      expect(closed).toBe("Connection is closed.")
    })
  )
})
