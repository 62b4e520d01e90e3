/**
 * Placeholder: the in-memory Redis is being written.
 *
 * @since 0.1.0
 */
export {}
