/** Every form but explain is a few fields; a bigger body is refused before it is read. */
export const BODY_LIMIT = 16 * 1024;
/** A pasted or uploaded mail for explain (docs/console.md); only an authenticated request gets this far. */
export const EXPLAIN_BODY_LIMIT = 1024 * 1024;
