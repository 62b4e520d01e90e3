import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { DeadLetter, EventStream, Inspect, RedisClient, StartAt } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Fiber, Schedule } from "effect"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { dashboard, unique } from "./helpers.js"

/** Debian's chromium, started as the brief of the project's CI asks: nothing is downloaded. */
const browser = Effect.acquireRelease(
  Effect.promise(() => {
    const profile = mkdtempSync(join(tmpdir(), "pulse-chromium-"))
    return chromium
      .launchPersistentContext(profile, {
        executablePath: "/usr/bin/chromium",
        headless: true,
        viewport: { width: 1200, height: 820 },
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync"
        ]
      })
      .then((context) => ({ context, profile }))
  }),
  ({ context, profile }) =>
    Effect.promise(async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    })
).pipe(Effect.map(({ context }) => context))

const text = (page: Page, selector: string) => Effect.promise(() => page.locator(selector).first().textContent())

/** Waits until the page shows `expected` at `selector` (the page updates itself by server-sent events). */
const shows = (page: Page, selector: string, expected: string) =>
  Effect.promise(() =>
    page.waitForFunction(
      ([selector, expected]) => document.querySelector(selector!)?.textContent === expected,
      [selector, expected] as const,
      { timeout: 20_000 }
    )
  )

const open = (context: BrowserContext, url: string) =>
  Effect.promise(async () => {
    const page = await context.newPage()
    await page.goto(url)
    return page
  })

layer(RedisTestServer.layerClient, { excludeTestServices: true, timeout: "120 seconds" })("dashboard", (it) => {
  it.effect(
    "in Chromium, with live producers and sinks: the numbers are the inspection API's, replay works",
    () =>
      Effect.gen(function* () {
        const name = unique("orders")
        const stream = yield* EventStream.make(name)
        const redis = yield* RedisClient.RedisClient
        // A live producer, a live sink that acks everything, and a sink whose only consumer crashed.
        const producer = yield* Effect.forkScoped(
          Effect.repeat(stream.add("created", '{"total":42}', { topic: "eu" }), Schedule.spaced("20 millis"))
        )
        const billing = yield* stream.sink("billing", { start: StartAt.oldest })
        yield* Effect.forkScoped(billing.process(() => Effect.void))
        yield* redis.xgroupCreate(stream.key, "audit", "0")
        yield* Effect.sleep("200 millis")
        yield* redis.xreadgroup("audit", "crashed", [{ key: stream.key, id: ">" }], { count: 5 })
        for (const payload of ['{"total":-1}', '{"total":"NaN"}']) {
          yield* redis.xadd(DeadLetter.key(name), [
            ["n", "charge"],
            ["p", payload],
            ["sink", "billing"],
            ["deliveries", "5"],
            ["id", "1-0"]
          ])
        }

        const url = yield* dashboard(["--allow-writes", "--token", "s3cret", "--interval", "500 millis"])
        const unauthorized = yield* Effect.promise(() => fetch(url.replace(/\?.*/, "api/snapshot")))
        expect(unauthorized.status).toBe(401)

        const context = yield* browser
        const page = yield* open(context, url)
        const section = `section[data-stream="${name}"]`
        yield* Effect.promise(() => page.waitForSelector(section))
        // Live: the rate of the running producer shows up without a reload.
        yield* Effect.promise(() =>
          page.waitForFunction(
            (selector) => Number(document.querySelector(selector)?.textContent) > 5,
            `${section} [data-field=rate]`,
            {
              timeout: 20_000
            }
          )
        )

        yield* Fiber.interrupt(producer)
        const length = yield* redis.xlen(stream.key)
        yield* shows(page, `${section} [data-field=length]`, String(length))
        yield* shows(page, `${section} tr[data-sink=billing] [data-field=lag]`, "0")
        yield* shows(page, `${section} tr[data-sink=billing] [data-field=pending]`, "0")

        const info = yield* Inspect.stream(name)
        expect(yield* text(page, `${section} [data-field=length]`)).toBe(String(info.length))
        expect(yield* text(page, `${section} [data-field=sinks]`)).toBe(String(info.sinks.length))
        expect(yield* text(page, `${section} .stats [data-field=dead]`)).toBe(String(info.deadLetters))
        for (const sink of info.sinks) {
          const row = `${section} tr[data-sink="${sink.name}"]`
          expect(yield* text(page, `${row} [data-field=lag]`)).toBe(String(sink.lag))
          expect(yield* text(page, `${row} [data-field=pending]`)).toBe(String(sink.pending))
          expect(yield* text(page, `${row} [data-field=consumers]`)).toBe(String(sink.consumers.length))
          const alive = sink.consumers.filter((consumer) => consumer.alive).length
          expect(yield* text(page, `${row} [data-field=alive]`)).toBe(String(alive))
          expect(yield* text(page, `${row} [data-field=dead]`)).toBe(String(sink.deadLetters))
        }
        const audit = info.sinks.find((sink) => sink.name === "audit")!
        expect(audit).toMatchObject({
          pending: 5,
          lag: info.length - 5,
          consumers: [{ name: "crashed", alive: false }]
        })
        expect(info.sinks.find((sink) => sink.name === "billing")).toMatchObject({ deadLetters: 2 })

        const screenshot = process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), `${name}.png`)
        yield* Effect.promise(() => page.screenshot({ path: screenshot, fullPage: true }))

        // Replay one dead letter by clicking: it leaves the dead letters and comes back on the stream.
        const [letter] = yield* DeadLetter.list(name)
        const row = `${section} tr[data-letter="${letter!.id}"]`
        yield* Effect.promise(() => page.click(`${row} button[data-action=replay]`))
        yield* Effect.promise(() => page.waitForSelector(row, { state: "detached", timeout: 20_000 }))
        expect((yield* DeadLetter.list(name)).map((left) => left.id)).not.toContain(letter!.id)
        const [replayed] = yield* redis.xrevrange(stream.key, "+", "-", 1)
        expect(new TextDecoder().decode(replayed!.fields.find(([field]) => field === "p")![1])).toBe('{"total":-1}')
        yield* shows(page, `${section} .stats [data-field=dead]`, "1")

        yield* billing.close
        yield* redis.del([DeadLetter.key(name)])
        yield* stream.destroy
      }),
    { timeout: 120_000 }
  )

  it.effect("read-only by default: no replay or remove", () =>
    Effect.gen(function* () {
      const url = yield* dashboard([])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const refused = yield* Effect.promise(() =>
        fetch(`${url}api/dead/replay`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ stream: "orders", ids: ["1-0"] })
        })
      )
      expect(refused.status).toBe(403)
      const snapshot = yield* Effect.promise(() => fetch(`${url}api/snapshot`).then((response) => response.json()))
      expect(snapshot).toMatchObject({ writable: false })
    })
  )
})
