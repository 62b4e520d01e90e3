/**
 * The dashboard's HTTP app: the page, the snapshot as JSON, the live
 * updates as server-sent events, and the dead-letter writes (refused unless
 * the dashboard was started to allow them). With an access token, every
 * request must carry it (`?token=` or `Authorization: Bearer`).
 */
import { timingSafeEqual } from "node:crypto"
import { DeadLetter, type RedisClient } from "@effect-pulse/core"
import { Effect, Schema, Stream, SubscriptionRef } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { messageOf, tagOf } from "../internal/failures.js"
import type { Monitor } from "./monitor.js"
import { page } from "./page.js"

const WriteRequest = Schema.Struct({ stream: Schema.String, ids: Schema.Array(Schema.String) })

const encoder = new TextEncoder()

const error = (status: number, message: string) => HttpServerResponse.jsonUnsafe({ error: message }, { status })

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const authorized = (request: HttpServerRequest.HttpServerRequest, url: URL, token: string | undefined): boolean => {
  if (token === undefined) return true
  const header = request.headers.authorization
  const given = url.searchParams.get("token") ?? (header?.startsWith("Bearer ") ? header.slice(7) : undefined)
  return given !== undefined && sameSecret(given, token)
}

/** The live updates: the current snapshot, then each new one, as server-sent events. */
const events = (monitor: Monitor) =>
  HttpServerResponse.stream(
    Stream.concat(
      Stream.fromEffect(SubscriptionRef.get(monitor.snapshots)),
      SubscriptionRef.changes(monitor.snapshots)
    ).pipe(Stream.map((snapshot) => encoder.encode(`data: ${JSON.stringify(snapshot)}\n\n`))),
    { contentType: "text/event-stream", headers: { "cache-control": "no-store" } }
  )

const write = (monitor: Monitor, action: "replay" | "remove") =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* Effect.flatMap(request.json, Schema.decodeUnknownEffect(WriteRequest))
    const result =
      action === "replay"
        ? { replayed: yield* DeadLetter.replay(body.stream, { filter: { ids: body.ids } }) }
        : { removed: yield* DeadLetter.remove(body.stream, body.ids) }
    yield* monitor.refresh
    return HttpServerResponse.jsonUnsafe(result)
  }).pipe(
    Effect.catch((cause: unknown) => {
      return Effect.succeed(error(tagOf(cause).startsWith("Redis") ? 502 : 400, messageOf(cause)))
    })
  )

/** The app, for `HttpServer.serve`. */
export const app = (
  monitor: Monitor,
  options: { readonly token: string | undefined; readonly writable: boolean }
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | RedisClient.RedisClient
> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://dashboard")
    if (!authorized(request, url, options.token))
      return error(401, "an access token is required: open the URL the dashboard printed")
    const route = `${request.method} ${url.pathname}`
    switch (route) {
      case "GET /":
        return HttpServerResponse.html(page)
      case "GET /api/snapshot":
        return HttpServerResponse.jsonUnsafe(yield* SubscriptionRef.get(monitor.snapshots))
      case "GET /events":
        return events(monitor)
      case "POST /api/dead/replay":
      case "POST /api/dead/remove":
        if (!options.writable)
          return error(403, "read-only: start the dashboard with --allow-writes to replay or remove")
        return yield* write(monitor, route === "POST /api/dead/replay" ? "replay" : "remove")
      default:
        return error(404, `not found: ${route}`)
    }
  })
