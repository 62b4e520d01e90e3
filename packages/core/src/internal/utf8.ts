/**
 * Bytes as text, the way Redis clients read them: invalid UTF-8 becomes
 * U+FFFD instead of failing (unlike `Payload`, whose JSON must be valid).
 *
 * @internal
 */
const decoder = new TextDecoder()

/** `bytes` decoded as UTF-8, invalid sequences replaced by U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)
