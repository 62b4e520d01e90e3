import { Effect, Metric } from "effect"

/** The value of a counter series, found by name and attributes (0 when it was never updated). */
export const counterValue = (id: string, attributes: Record<string, string>) =>
  Effect.map(Metric.snapshot, (snapshots) => {
    const found = snapshots.find(
      (snapshot) =>
        snapshot.id === id && Object.entries(attributes).every(([key, value]) => snapshot.attributes?.[key] === value)
    )
    return found?.type === "Counter" ? Number(found.state.count) : 0
  })
