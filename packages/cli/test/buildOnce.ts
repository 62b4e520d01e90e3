import { build } from "./helpers.js"

/** vitest's global setup of the CLI's tests: build the binary once, before any test file runs. */
export default function setup() {
  build()
}
