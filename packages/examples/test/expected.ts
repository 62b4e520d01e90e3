/**
 * What each example prints, line by line: a string for a line that is always
 * the same, a pattern for a line that depends on timing (which consumer got
 * which event).
 */
export const expectedOutput: Record<string, ReadonlyArray<string | RegExp>> = {
  "single-reader": [
    'added a "greeting" event to the stream greetings',
    'the reader got "greeting": hello, pulse',
    "the reader is closed: true"
  ],
  "multi-readers": [
    "added order 1, opened the two readers, added order 2",
    "the reader from the oldest event got: order 1, order 2",
    "the reader from the newest event got: order 2"
  ],
  "single-sink": ['the sink billing got "created": order 1', "acknowledged it: it will not be delivered again"],
  "multi-sinks": [
    "the sink shipping got: order 1, order 2, order 3, order 4",
    "the two consumers of the sink billing got between them: order 1, order 2, order 3, order 4",
    "events billed twice: 0"
  ],
  "multi-streams": [
    "the sink audit got: order-placed from orders, payment-received from payments",
    "after removing payments it got: order-cancelled from orders"
  ],
  "pub-sub": [
    'the reader of "eu.fr" got: order 1 (eu.fr)',
    "the reader of eu.* got: order 1 (eu.fr), order 3 (eu.de)",
    "the sink of /^(us|ca)\\./ got: order 2 (us.ny), order 4 (ca.qc)"
  ],
  "worker-pool": [
    "worker-1 took job 1 and died without acknowledging it",
    /^worker-2 processed: (nothing|job \d(, job \d)*)$/,
    /^worker-3 processed: (nothing|job \d(, job \d)*)$/,
    "all 9 jobs processed, job 1 included after the grace period"
  ],
  "typed-events": [
    "billed order 1: 25 EUR",
    "billed order 2: 40 EUR",
    'delivery 1 of an event that does not decode: Expected number at ["id"]',
    'delivery 2 of an event that does not decode: Expected number at ["id"]',
    'the dead-letter stream got "placed": {"id":"three"}'
  ],
  pipeline: [
    "billed order 1: 25 EUR",
    "billed order 4: 40 EUR",
    "billed 2 European orders; the American one was filtered out",
    'the dead letters got {"id":"three"}, because: Expected number at ["id"]'
  ],
  "delivery-control": [
    "the add of p1, retried, returned the same ID: true",
    "alice's payments billed in order: 1, 3, 5",
    "bob's payments: 2, 4 (4 failed once and was retried)",
    "5 reports of 1.2 s (three grace periods each): 5 deliveries, 0 to the other consumer"
  ]
}

/**
 * The lines, with each one that matches its expected pattern replaced by the
 * pattern: equal to `expected` exactly when the output is as expected, and
 * otherwise a readable diff.
 */
export const conform = (
  lines: ReadonlyArray<string>,
  expected: ReadonlyArray<string | RegExp>
): ReadonlyArray<string | RegExp> =>
  lines.map((line, index) => {
    const want = expected[index]
    return want instanceof RegExp && want.test(line) ? want : line
  })
