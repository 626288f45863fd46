/**
 * Trace formatting: one request's record as the text block `TRACE=1`
 * prints under the server. The Session Lab draws the same record in the
 * browser (playground/lab/).
 *
 * Read with: chapters/run-it-yourself.md#reading-a-trace
 */
import type { Context } from 'koa';
import type { SignatureVerdict, SkipReason } from '../src/index.js';
import { COOKIE_LIMIT } from './lab/shared/display.js';
import type { CookieSettings } from './lab/shared/protocol.js';
import { type RequestRecord, responseCookies, signatureOf } from './observe.js';
import { byteLength, cookiePair, parseSetCookie } from './shared/cookies.js';

/** The port's signature verdicts, in the words trace mode prints. */
export const SIGNATURE_TEXT: Record<SignatureVerdict, string> = {
  none: 'no cookie',
  unsigned: 'not signed (signed: false)',
  valid: 'valid',
  'older-key': 'valid, made with an older key (re-signed)',
  missing: 'missing',
  wrong: 'invalid',
};

/** The trace's skip reasons, in words. */
const SKIP_TEXT: Record<SkipReason, string> = {
  untouched: 'session never accessed',
  'new-empty': 'new and still empty',
  unchanged: 'unchanged, and neither rolling nor due for renewal',
};

/** Shorten long values so a trace line stays on one screen line. */
function clip(text: string, max = 48): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatTtl(value: unknown): string {
  if (value === undefined) return 'not set (so the cookie gets no Expires)';
  if (typeof value === 'number')
    return `${value} ms (${(value / 1000).toFixed(1)} s)`;
  return JSON.stringify(value) ?? String(value);
}

// #region formatTrace
/**
 * Render one request's record as the block trace mode prints:
 *
 * ```text
 * ── GET / → 200 in 2.1 ms ──────────────
 *   cookie      session=session8f…: signature valid
 *   store.get   session8f… → found (0.4 ms)
 *   valid       yes
 *   loaded      from the store, hash 3735928559
 *   hash        3735928559 → 1234567890: changed
 *   save        reason: changed
 *   write       store, maxAge 86400000, store TTL 86410000 ms (86410.0 s)
 *   store.set   session8f… ttl 86410000 ms (86410.0 s) → ok (0.3 ms)
 *   set-cookie  session=session8f…; path=/; expires=…; httponly (52 B)
 * ```
 *
 * See chapters/run-it-yourself.md#reading-a-trace
 */
export function formatTrace(
  ctx: Context,
  cookie: CookieSettings,
  record: RequestRecord,
  ms: number,
): string {
  const lines = [
    `── ${ctx.method} ${ctx.url} → ${ctx.status} in ${ms.toFixed(1)} ms ──`,
  ];
  const add = (label: string, text: string) =>
    lines.push(`  ${label.padEnd(13)} ${text}`);

  const verdict = signatureOf(record);
  const sig = verdict ? SIGNATURE_TEXT[verdict] : 'not checked';
  if (record.rawCookie === undefined) add('cookie', `${cookie.key}: none sent`);
  else
    add(
      'cookie',
      `${cookie.key}=${clip(record.rawCookie, 24)}: signature ${sig}`,
    );

  for (const step of record.steps) {
    if (step.kind === 'store') {
      const ttl = step.op === 'set' ? ` ttl ${formatTtl(step.ttl)}` : '';
      add(
        `store.${step.op}`,
        `${clip(step.key, 30)}${ttl} → ${step.outcome} (${step.ms.toFixed(1)} ms)`,
      );
      continue;
    }
    const e = step.event;
    switch (e.step) {
      case 'cookie':
      case 'external-key':
      case 'store-get':
        break; // already shown: the cookie line above, the store.get line from the wrapper
      case 'decode':
        add(
          'decode',
          e.ok
            ? 'ok'
            : `failed (${e.error})${e.rethrown ? ': rethrown' : ': new session'}`,
        );
        break;
      case 'valid':
        add(
          'valid',
          e.ok
            ? 'yes'
            : `no: ${e.reason}${e.reason === 'hostile' ? ` (${e.detail})` : ''} → new session`,
        );
        break;
      case 'loaded':
        add('loaded', `from the ${e.mode}, hash ${e.hash}`);
        break;
      case 'created':
        add(
          'created',
          `new session${e.externalKey ? `, id ${clip(e.externalKey, 30)}` : ''}`,
        );
        break;
      case 'commit':
        add('hash', hashLine(e.prevHash, e.hash));
        add(
          'save',
          `reason: ${e.reason}${e.forced ? ' (forced: save(), regenerate() or a maxAge change)' : ''}`,
        );
        break;
      case 'skip': {
        if (e.reason !== 'untouched') add('hash', hashLine(e.prevHash, e.hash));
        add('no save', SKIP_TEXT[e.reason]);
        break;
      }
      case 'save':
        add(
          'write',
          e.target === 'cookie'
            ? `cookie, ${e.bytes} bytes encoded, maxAge ${formatTtl(e.maxAge)}`
            : `store, maxAge ${formatTtl(e.maxAge)}, store TTL ${formatTtl(e.storeTtl)}`,
        );
        break;
      case 'remove':
        add(
          'remove',
          `session destroyed${e.externalKey ? ` (store id ${clip(e.externalKey, 30)})` : ''}, cookie cleared`,
        );
        break;
    }
  }

  const setCookies = responseCookies(ctx);
  if (setCookies.length === 0) add('set-cookie', '(none)');
  for (const header of setCookies) {
    const nameValue = cookiePair(header);
    const bytes = byteLength(nameValue);
    const { tail } = parseSetCookie(header);
    add('set-cookie', `${clip(nameValue, 60)}${tail} (${bytes} B)`);
    if (bytes > COOKIE_LIMIT) {
      add(
        '⚠ too big',
        `${bytes} bytes > ${COOKIE_LIMIT}: browsers silently drop this cookie`,
      );
    }
  }
  return lines.join('\n');
}
// #endregion formatTrace

/** The two hashes the commit event carries, compared for the reader. */
function hashLine(before: number | undefined, now: number): string {
  if (before === undefined) return `new session, now ${now}`;
  return `${before} → ${now}: ${before === now ? 'unchanged' : 'changed'}`;
}
