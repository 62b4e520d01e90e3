/**
 * The dashboard's single page: no framework, a small script that renders
 * each snapshot the server pushes (server-sent events) into plain HTML,
 * with the rate charts as inline SVG. The access token, when there is one,
 * comes from the page's own URL (`?token=`) and goes along on every request.
 */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>effect-pulse</title>
<style>
  :root { color-scheme: light; --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --accent: #3b5bdb; --bad: #c92a2a; --ok: #2b8a3e; }
  body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); margin: 0; background: #f7f8fa; }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  header .status { color: var(--muted); }
  header .error { color: var(--bad); }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section.stream { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; }
  .top { display: flex; justify-content: space-between; align-items: center; gap: 16px; flex-wrap: wrap; }
  h2 { font-size: 16px; margin: 0; }
  .stats { display: flex; gap: 22px; color: var(--muted); }
  .stats b { color: var(--fg); font-variant-numeric: tabular-nums; }
  .chart-row { display: flex; align-items: flex-end; gap: 12px; margin: 10px 0 4px; }
  .caption { color: var(--muted); font-size: 12px; }
  svg.chart { display: block; }
  table { border-collapse: collapse; width: 100%; margin-top: 10px; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 500; }
  .alive { color: var(--ok); } .stale { color: var(--bad); }
  .payload { font-family: ui-monospace, monospace; max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  button { font: inherit; padding: 2px 10px; border-radius: 5px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
  button.replay { border-color: var(--accent); color: var(--accent); }
  .empty { color: var(--muted); padding: 8px 0; }
</style>
</head>
<body>
<header><h1>effect-pulse</h1><span class="status" id="status">connecting…</span><span class="error" id="error"></span></header>
<main id="streams"></main>
<script>
const token = new URLSearchParams(location.search).get("token")
const query = token === null ? "" : "?token=" + encodeURIComponent(token)
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c])
const age = (ms) => ms < 1000 ? Math.round(ms) + "ms" : ms < 60000 ? (ms / 1000).toFixed(1) + "s" : ms < 3600000 ? Math.floor(ms / 60000) + "m" : Math.floor(ms / 3600000) + "h"

const chart = (history) => {
  const width = 420, height = 48, max = Math.max(1, ...history), bar = width / history.length
  const bars = history.map((count, i) => {
    const h = Math.round((count / max) * (height - 2))
    return '<rect x="' + (i * bar + 1).toFixed(1) + '" y="' + (height - h) + '" width="' + (bar - 2).toFixed(1) + '" height="' + h + '" fill="#3b5bdb"><title>' + count + ' events</title></rect>'
  }).join("")
  return '<svg class="chart" width="' + width + '" height="' + height + '" role="img" aria-label="events per 10 s over the last 5 minutes">' +
    '<line x1="0" y1="' + (height - 0.5) + '" x2="' + width + '" y2="' + (height - 0.5) + '" stroke="#e4e7ec"/>' + bars + '</svg>'
}

const sinkRows = (sinks) => sinks.length === 0 ? '<div class="empty">no sinks</div>' :
  '<table><thead><tr><th>sink</th><th>lag</th><th>pending</th><th>oldest pending</th><th>consumers</th><th>alive</th><th>redelivered</th><th>dead</th></tr></thead><tbody>' +
  sinks.map((sink) => {
    const alive = sink.consumers.filter((c) => c.alive).length
    return '<tr data-sink="' + escape(sink.name) + '"><td>' + escape(sink.name) + '</td>' +
      '<td data-field="lag">' + (sink.lagSource === "at-least" ? "≥" : "") + sink.lag + '</td>' +
      '<td data-field="pending">' + sink.pending + '</td>' +
      '<td>' + (sink.oldestPending === null ? "–" : age(sink.oldestPending.ageMillis)) + '</td>' +
      '<td data-field="consumers">' + sink.consumers.length + '</td>' +
      '<td data-field="alive" class="' + (alive < sink.consumers.length ? "stale" : "alive") + '">' + alive + '</td>' +
      '<td data-field="redelivered">' + sink.redelivered + '</td>' +
      '<td data-field="dead">' + sink.deadLetters + '</td></tr>'
  }).join("") + '</tbody></table>'

const letterRows = (stream, letters, writable) => letters.length === 0 ? "" :
  '<table><thead><tr><th>dead event</th><th>sink</th><th>deliveries</th><th>event</th><th>topic</th><th>payload</th>' + (writable ? '<th></th>' : '') + '</tr></thead><tbody>' +
  letters.map((letter) => '<tr data-letter="' + escape(letter.id) + '"><td>' + escape(letter.eventId) + '</td><td>' + escape(letter.sink ?? "–") + '</td><td>' + letter.deliveries + '</td><td>' + escape(letter.event) + '</td><td>' + escape(letter.topic ?? "–") + '</td><td class="payload">' + escape(letter.payload) + '</td>' +
    (writable ? '<td><button class="replay" data-action="replay" data-stream="' + escape(stream) + '" data-id="' + escape(letter.id) + '">replay</button> <button data-action="remove" data-stream="' + escape(stream) + '" data-id="' + escape(letter.id) + '">remove</button></td>' : '') + '</tr>').join("") +
  '</tbody></table>'

const render = (snapshot) => {
  document.getElementById("status").textContent = snapshot.streams.length + " streams · updated " + new Date(snapshot.time).toLocaleTimeString() + (snapshot.writable ? "" : " · read-only")
  document.getElementById("error").textContent = snapshot.error ?? ""
  document.getElementById("streams").innerHTML = snapshot.streams.length === 0 ? '<div class="empty">no streams</div>' : snapshot.streams.map(({ info, rate, history, deadLetters }) =>
    '<section class="stream" data-stream="' + escape(info.name) + '"><div class="top"><h2>' + escape(info.name) + '</h2><div class="stats">' +
    '<span>length <b data-field="length">' + info.length + '</b></span>' +
    '<span>rate <b data-field="rate">' + rate.toFixed(1) + '</b>/s</span>' +
    '<span>sinks <b data-field="sinks">' + info.sinks.length + '</b></span>' +
    '<span>dead letters <b data-field="dead">' + info.deadLetters + '</b></span>' +
    '<span>ttl <b>' + (info.ttlMillis === null ? "none" : age(info.ttlMillis)) + '</b></span></div></div>' +
    '<div class="chart-row">' + chart(history) + '<span class="caption">events per 10 s, last 5 minutes</span></div>' + sinkRows(info.sinks) + letterRows(info.name, deadLetters, snapshot.writable) + '</section>').join("")
  document.body.dataset.updated = String(snapshot.time)
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]")
  if (button === null) return
  button.disabled = true
  const response = await fetch("/api/dead/" + button.dataset.action + query, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stream: button.dataset.stream, ids: [button.dataset.id] })
  })
  if (!response.ok) document.getElementById("error").textContent = (await response.json()).error
})

const source = new EventSource("/events" + query)
source.onmessage = (message) => render(JSON.parse(message.data))
source.onerror = () => { document.getElementById("status").textContent = "reconnecting…" }
</script>
</body>
</html>
`
