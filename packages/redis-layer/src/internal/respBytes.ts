/**
 * The bytes of RESP2 that the connections read and written directly look
 * at: line ends, the type marks of replies, and the digits of lengths.
 *
 * @internal
 */

/** Carriage return, which ends every header line. */
export const CR = 13
/** Line feed, after the carriage return. */
export const LF = 10
/** `$`: a bulk string. */
export const DOLLAR = 36
/** `*`: an array. */
export const STAR = 42
/** `-`: an error reply, or the sign of a nil length (`$-1`, `*-1`). */
export const MINUS = 45
/** `+`: a simple string. */
export const PLUS = 43
/** `:`: an integer. */
export const COLON = 58
/** `0`, from which digits count. */
export const ZERO = 48
