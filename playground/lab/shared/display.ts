/**
 * How the playground shows values to a person: a long value clipped, a
 * duration in words, a cookie session decoded, a stored record parsed.
 * Trace mode (playground/format.ts), the inspector (`/__session`) and the
 * Session Lab's page all use these, so a value reads the same wherever
 * it appears.
 *
 * Display only: nothing here decides anything about a session. Runs in
 * Node and in a browser page alike (no Node built-ins, no DOM).
 */

/** Browsers ignore a cookie whose name plus value exceeds this many bytes. */
export const COOKIE_LIMIT = 4096;

/** `text` cut to `max` characters, the last one an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The size of `text` in UTF-8 bytes, as browsers count a cookie. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** 1500 → `1.5 s`, 600000 → `10 min`, 86400000 → `24.0 h`. */
export function seconds(ms: number): string {
  if (Math.abs(ms) < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * A cookie session's value, base64 JSON as koa-session encodes it, read
 * back into data — for showing it. The port decides for itself whether
 * it accepts a cookie; this only shows what anyone holding it can read.
 */
export function decodeCookie(
  value: string,
): { ok: true; data: unknown } | { ok: false } {
  try {
    const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    return { ok: true, data: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/** The stored record's session data, whatever shape the store keeps it in. */
export function parseRecord(record: unknown): unknown {
  let value = record;
  // A MySQL row keeps the data as JSON text in its `data` column.
  if (value && typeof value === 'object' && 'data' in value) {
    value = (value as { data: unknown }).data;
  }
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** A session's `_expire` (ms since the epoch), when it has one. */
export function expireOf(data: unknown): number | undefined {
  const expire = (data as { _expire?: unknown } | null)?._expire;
  return typeof expire === 'number' ? expire : undefined;
}
