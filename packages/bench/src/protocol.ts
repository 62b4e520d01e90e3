/**
 * How a measurement process hands its result to the runner.
 *
 * @since 0.1.0
 */

/**
 * The prefix of the line carrying a result (JSON) on a worker's stdout.
 *
 * @since 0.1.0
 * @category constants
 */
export const resultPrefix = "@@pulse-bench-result "
