/**
 * The tracing example against an OTLP/HTTP collector started in this
 * process: what effect's exporter sends is what a real collector receives.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { expect, layer } from "@effect/vitest"
import type { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, type Layer } from "effect"
import { checkout, telemetry } from "../src/tracing.js"

/** An OTLP attribute as the JSON encoding has it. */
interface Attribute {
  readonly key: string
  readonly value: { readonly stringValue?: string; readonly intValue?: string | number }
}

/** A span as the JSON encoding has it. */
interface Span {
  readonly name: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly traceId: string
  readonly attributes: ReadonlyArray<Attribute>
}

interface Collector {
  readonly url: string
  /** The bodies received on each path, in order. */
  readonly received: Map<string, Array<unknown>>
  readonly server: http.Server
}

/** An OTLP/HTTP collector on a free loopback port that records what it receives. */
const collector = Effect.acquireRelease(
  Effect.callback<Collector>((resume) => {
    const received = new Map<string, Array<unknown>>()
    const server = http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const bodies = received.get(request.url ?? "") ?? []
        bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        received.set(request.url ?? "", bodies)
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, received, server }))
    })
  }),
  (found) => Effect.sync(() => found.server.close())
)

const spansOf = (bodies: ReadonlyArray<unknown>): ReadonlyArray<Span> =>
  (bodies as ReadonlyArray<{ resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Span> }> }> }>).flatMap((body) =>
    body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))
  )

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((candidate) => candidate.key === key)?.value
  return value?.stringValue ?? value?.intValue
}

const redisLayers = [
  { name: "InMemoryRedis", layer: InMemoryRedis.layer as Layer.Layer<RedisClient.RedisClient, unknown> },
  { name: "Redis", layer: RedisTestServer.layerClientOwned as Layer.Layer<RedisClient.RedisClient, unknown> }
] as const

for (const { name: layerName, layer: redisLayer } of redisLayers) {
  layer(redisLayer, { excludeTestServices: true, timeout: "60 seconds" })(`tracing [${layerName}]`, (it) => {
    it.effect("the spans of the application and of effect-pulse reach the collector, nested", () =>
      Effect.gen(function* () {
        const { url, received } = yield* collector
        // The layer's scope closes after the program: the exporter sends its last batch then.
        yield* checkout.pipe(Effect.provide(telemetry(url)))

        const spans = spansOf(received.get("/v1/traces") ?? [])
        const named = (name: string) => spans.filter((span) => span.name === name)
        const [root] = named("checkout")
        expect(root).toBeDefined()
        const billed = named("bill order")
        expect(billed).toHaveLength(3)
        for (const span of billed) {
          expect(span.parentSpanId).toBe(root!.spanId)
          expect(span.traceId).toBe(root!.traceId)
          expect(attribute(span, "order.event")).toMatch(/^\d+-\d+$/)
        }
        // Each ack is a child of the application's span around it.
        const acks = named("Sink.ack")
        expect(acks.map((span) => span.parentSpanId).sort()).toEqual(billed.map((span) => span.spanId).sort())
        expect(acks.map((span) => attribute(span, "event.id")).sort()).toEqual(
          billed.map((span) => attribute(span, "order.event")).sort()
        )
        const [made] = named("Sink.make")
        expect(attribute(made!, "sink")).toMatch(/^billing-/)
        // The sink's reads are traces of their own.
        expect(named("Sink.read").every((span) => span.parentSpanId === undefined || span.parentSpanId === "")).toBe(
          true
        )
        const [added] = named("EventStream.addAll")
        expect(attribute(added!, "stream")).toMatch(/^orders-/)
        expect(Number(attribute(added!, "count"))).toBe(3)
      })
    )
  })
}
