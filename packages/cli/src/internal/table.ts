/**
 * Plain-text tables for people: columns padded to their widest cell, a
 * header row, and cells cut to a width so one long payload cannot wrap the
 * whole table.
 */

/** A cell longer than this is cut, with an ellipsis. */
const maxCellWidth = 60

const cut = (text: string): string => {
  const oneLine = text.replace(/\s+/g, " ")
  return oneLine.length > maxCellWidth ? `${oneLine.slice(0, maxCellWidth - 1)}…` : oneLine
}

/** The rows under the header, aligned; `(none)` when there are no rows. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string => {
  if (rows.length === 0) return "(none)"
  const cells = [header, ...rows.map((row) => row.map((cell) => cut(String(cell))))]
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)))
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}

/** A duration in milliseconds, short: `850ms`, `12.3s`, `4m05s`, `2h10m`, `3d4h`. */
export const duration = (millis: number): string => {
  if (millis < 1000) return `${Math.round(millis)}ms`
  const seconds = millis / 1000
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, "0")}m`
  return `${Math.floor(hours / 24)}d${hours % 24}h`
}

/** An epoch time as ISO 8601, or `-`. */
export const time = (millis: number | null | undefined): string =>
  millis === null || millis === undefined ? "-" : new Date(millis).toISOString()
