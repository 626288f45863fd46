/**
 * The shape of koa-session's default session ids: `crypto.randomUUID()`,
 * a version-4 UUID.
 */

/** A whole string that is a v4 UUID. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every v4 UUID anywhere in a string (global: use with `match` or `matchAll`). */
export const ANY_UUID_V4 = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;
