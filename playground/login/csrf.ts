/**
 * Cross-site request forgery (CSRF), stopped twice.
 *
 * A browser attaches the session cookie to a request whoever started it,
 * so a page on another site can make the user's browser POST to us with
 * the user's session. `SameSite=Lax` on the cookie stops most of that in
 * most browsers, not all of it in all of them (chapters/16-csrf.md). So
 * every state-changing request here must also pass two checks of our own:
 *
 * 1. {@link sameOrigin}: the browser says where the request came from
 *    (`Sec-Fetch-Site`, else `Origin`). Anything but our own origin is
 *    refused — a sibling subdomain too, which `SameSite` calls same-site.
 * 2. {@link requireToken}: the form carries a secret the page got from
 *    our server and another site cannot read (a synchronizer token, kept
 *    in the session it protects).
 *
 * Read with: chapters/16-csrf.md
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';

/** Methods that must not change anything; everything else is checked. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// #region sameOrigin
/**
 * Refuse a state-changing request that a browser tells us came from
 * another origin: `Sec-Fetch-Site` when the browser sends it (all current
 * engines do), else the `Origin` header. A request with neither is let
 * through: it did not come from a browser that would attach a cookie on
 * another site's behalf, and the token check still applies.
 *
 * `origin` is where the app is served, e.g. `https://example.com`;
 * behind a proxy, set it (Koa's own idea of the origin depends on
 * `app.proxy` and the forwarded headers).
 */
export function sameOrigin(origin?: string): Middleware {
  return async function checkOrigin(ctx, next) {
    if (SAFE.has(ctx.method)) return next();
    const site = ctx.get('Sec-Fetch-Site');
    const from = ctx.get('Origin');
    const ours = origin ?? ctx.origin;
    // 'none' is the user's own doing (typed, bookmarked): no other site.
    const refused = site
      ? site !== 'same-origin' && site !== 'none'
      : from !== '' && from !== ours;
    if (refused) {
      ctx.status = 403;
      ctx.body = `Refused: a ${site || 'cross-origin'} request (CSRF check)\n`;
      return;
    }
    return next();
  };
}
// #endregion sameOrigin

// #region token
/** The session key the token lives under. */
const KEY = 'csrf';

/**
 * The token for this session, made on first use: 32 random bytes, kept
 * in the session itself. Put it in every form as a hidden `_csrf` field.
 */
export function csrfToken(ctx: Context): string {
  const session = ctx.session!;
  if (typeof session[KEY] !== 'string') {
    session[KEY] = randomBytes(32).toString('base64url');
  }
  return session[KEY] as string;
}

/**
 * Refuse a state-changing request whose `_csrf` field does not match the
 * session's token. Needs a body parser in front of it. The comparison
 * takes the same time whatever the first wrong byte is.
 */
export function requireToken(): Middleware {
  return async function checkToken(ctx, next) {
    if (SAFE.has(ctx.method)) return next();
    const sent = (ctx.request as { body?: Record<string, unknown> }).body;
    const given = typeof sent?._csrf === 'string' ? sent._csrf : '';
    const expected = ctx.session?.[KEY];
    if (typeof expected !== 'string' || !sameBytes(given, expected)) {
      ctx.status = 403;
      ctx.body = 'Refused: the form is missing its CSRF token or it is stale\n';
      return;
    }
    return next();
  };
}
// #endregion token

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
