/**
 * The CSRF lab: a bank, an attacker's site and an attacker on a sibling
 * subdomain, in real chromium, over HTTPS (see ../support/sites.ts).
 *
 * - `https://bank.test` is a Koa app on the session middleware (the port,
 *   or koa-session 7.0.2 with KOA_SESSION_IMPL=upstream), with the
 *   `sameSite` value and the CSRF guards of the scenario
 *   (`playground/login/csrf.ts`, the login starter's own checks).
 * - `https://evil.test` is another site: its pages submit forms to the
 *   bank, link to it, and `fetch` it.
 * - `https://sub.bank.test` is the same *site* as the bank but another
 *   origin: a subdomain an attacker took over.
 *
 * The victim signs in to the bank with the bank's own form, then visits
 * the attacker's page. The bank writes down every request it gets — who
 * the session says is asking, and what the browser said about where the
 * request came from — and the lab reads that log.
 *
 * Used by test/security/csrf.test.ts (the chapter's proofs) and by
 * test/security/attacks/csrf.ts (prints the whole matrix).
 *
 * Read with: chapters/16-csrf.md
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import type { BrowserContext, Page } from 'playwright-core';
import { csrfToken, requireToken, sameOrigin } from '../../playground/login/csrf.js';
import type { SessionOptions } from '../../src/index.js';
import { IMPL_NAME, session } from '../support/impl.js';
import { launchSiteBrowser, type Sites, serveSites } from '../support/sites.js';

/** Which middleware runs: the port, or koa-session 7.0.2 (KOA_SESSION_IMPL=upstream). */
export const IMPL = IMPL_NAME;

export function sessionMiddleware(options: SessionOptions, app: Koa): Middleware {
  return session(options, app);
}

export type SameSite = 'unset' | 'lax' | 'strict' | 'none';

/** How the bank is configured for one scenario. */
export interface BankConfig {
  sameSite: SameSite;
  /** The cookie's name; `__Host-sid` shows the prefix. Default `sid`. */
  key?: string;
  /** Refuse requests a browser says came from another origin. */
  originCheck?: boolean;
  /** Require the session's synchronizer token in every form. */
  token?: boolean;
}

/** One request the bank received, as it saw it. */
export interface Seen {
  method: string;
  path: string;
  /** Who the session said was asking (`null`: no session came with it). */
  user: string | null;
  status: number;
  secFetchSite: string;
  origin: string;
  /** The names of the cookies that came with the request. */
  cookies: string[];
}

// #region bank
/** The bank: sign in with a form, transfer money with a form. */
export function bank(config: BankConfig, log: Seen[]): Koa {
  const app = new Koa();
  app.keys = ['csrf lab key'];
  app.silent = true;
  const key = config.key ?? 'sid';
  app.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/favicon.ico') return;
    log.push({
      method: ctx.method,
      path: ctx.path,
      user: (ctx.state.user as string | undefined) ?? null,
      status: ctx.status,
      secFetchSite: ctx.get('Sec-Fetch-Site'),
      origin: ctx.get('Origin'),
      cookies: Object.keys(parseCookies(ctx.get('Cookie'))),
    });
  });
  const sameSite = config.sameSite === 'unset' ? undefined : config.sameSite;
  app.use(sessionMiddleware({ key, maxAge: 3_600_000, sameSite, secure: true }, app));
  app.use(bodyParser());
  app.use(async (ctx, next) => {
    ctx.state.user = (ctx.session?.user as string | undefined) ?? null;
    await next();
  });
  if (config.originCheck) app.use(sameOrigin());
  if (config.token) app.use(requireToken());
  app.use((ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string>;
    if (ctx.method === 'POST' && ctx.path === '/signin') {
      ctx.session!.user = body.user;
      ctx.state.user = body.user;
      ctx.body = `signed in as ${body.user}`;
    } else if (ctx.method === 'POST' && ctx.path === '/transfer') {
      ctx.body = ctx.state.user ? `sent ${body.amount} to ${body.to}` : 'not signed in';
    } else if (ctx.path === '/') {
      const hidden = config.token ? `<input type=hidden name=_csrf value="${csrfToken(ctx)}">` : '';
      ctx.type = 'html';
      ctx.body =
        `<title>bank</title><p id=who>${ctx.state.user ?? 'nobody'}</p>` +
        `<form id=signin method=post action=/signin>${hidden}` +
        `<input name=user value=victim><button>sign in</button></form>` +
        `<form id=transfer method=post action=/transfer>${hidden}` +
        `<input name=to value=friend><input name=amount value=10><button>send</button></form>`;
    } else {
      ctx.body = `${ctx.state.user ?? 'nobody'}`;
    }
  });
  return app;
}
// #endregion bank

function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

// #region attacker
/**
 * The attacker's pages, on evil.test and on sub.bank.test. Each makes
 * the visitor's browser send one request to `to`: `/post` submits a
 * form by script, `/link` follows a link by script (a top-level GET),
 * `/fetch` posts with `fetch(…, { credentials: 'include' })`. On
 * sub.bank.test, `/toss?cookie=` sets a cookie for all of bank.test.
 */
function attacker(req: IncomingMessage, res: ServerResponse, host: string) {
  const url = new URL(req.url ?? '/', `https://${host}`);
  const to = url.searchParams.get('to') ?? '';
  const fields = JSON.parse(url.searchParams.get('fields') ?? '{}');
  const inputs = Object.entries(fields as Record<string, string>)
    .map(([name, value]) => `<input name="${name}" value="${value}">`)
    .join('');
  const submit = '<script>document.forms[0].submit()</script>';
  const click = '<script>document.links[0].click()</script>';
  const post = JSON.stringify({
    method: 'POST',
    mode: 'no-cors',
    credentials: 'include',
  });
  const body = `new URLSearchParams(${JSON.stringify(fields)})`;
  const pages: Record<string, string> = {
    '/post': `<form method=post action="${to}">${inputs}</form>${submit}`,
    '/link': `<a href="${to}">win a prize</a>${click}`,
    '/fetch': `<script>fetch(${JSON.stringify(to)},
      { ...${post}, body: ${body} })</script>`,
  };
  if (url.pathname === '/toss') {
    res.setHeader('set-cookie', url.searchParams.get('cookie') ?? '');
  }
  res.setHeader('content-type', 'text/html');
  const page = pages[url.pathname] ?? '<p>attacker</p>';
  res.end(`<title>${host}</title>${page}`);
}
// #endregion attacker

/** What an attack produced at the bank. */
export interface Outcome {
  /** The request the attack made, as the bank saw it (undefined: none arrived). */
  seen: Seen | undefined;
  /** The body the bank answered the attack with, when the browser showed it. */
  answer: string;
}

export type Attack =
  | 'cross-site form POST'
  | 'cross-site link (GET)'
  | 'cross-site fetch POST'
  | 'same-site sibling form POST';

export const ATTACKS: readonly Attack[] = [
  'cross-site form POST',
  'cross-site link (GET)',
  'cross-site fetch POST',
  'same-site sibling form POST',
];

export interface Lab {
  sites: Sites;
  browser: BrowserContext;
  page: Page;
  log: Seen[];
  /** Serve `config` as the bank from now on; clears cookies and the log. */
  useBank(config: BankConfig): Promise<void>;
  /** The victim signs in with the bank's own form (as `user`). */
  signIn(user?: string): Promise<void>;
  /** The victim, signed in, visits the attacker's page for `attack`. */
  attack(attack: Attack): Promise<Outcome>;
  /** Who the bank thinks the victim is now (a same-origin page load). */
  whoAmI(): Promise<string>;
  /** The victim submits the bank's own transfer form. */
  ownTransfer(): Promise<Outcome>;
  /** The attacker's page on evil.test posts its own credentials to /signin. */
  loginCsrf(): Promise<Outcome>;
  /** sub.bank.test sets `cookie` (a Set-Cookie value); does the bank get it? */
  toss(cookie: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Start the sites and chromium. `thirdPartyCookies: false` keeps the fresh profile's blocking. */
export async function startLab(thirdPartyCookies = true): Promise<Lab> {
  const log: Seen[] = [];
  let handler = bank({ sameSite: 'lax' }, log).callback();
  const sites = await serveSites((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host === 'bank.test') return handler(req, res);
    attacker(req, res, host);
  });
  const browser = await launchSiteBrowser(thirdPartyCookies);
  const page = browser.pages()[0] ?? (await browser.newPage());

  async function arrival(from: number, path: string): Promise<Seen | undefined> {
    for (let i = 0; i < 40; i++) {
      const hit = log.slice(from).find((s) => s.path === path);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  }

  async function visit(url: string, path: string): Promise<Outcome> {
    const from = log.length;
    await page.goto(url);
    const seen = await arrival(from, path);
    await page.waitForLoadState();
    const answer = page.url().includes('bank.test') ? ((await page.textContent('body')) ?? '') : '';
    return { seen, answer: answer.trim() };
  }

  const lab: Lab = {
    sites,
    browser,
    page,
    log,
    async useBank(config) {
      handler = bank(config, log).callback();
      await browser.clearCookies();
      log.length = 0;
    },
    async signIn(user = 'victim') {
      await page.goto(sites.url('bank'));
      await page.fill('#signin input[name=user]', user);
      await Promise.all([page.waitForURL('**/signin'), page.click('#signin button')]);
    },
    attack(kind) {
      const fields = JSON.stringify({ to: 'mallory', amount: '1000' });
      const on = (host: string, page: string, path: string) =>
        sites.url(
          host,
          `/${page}?to=${encodeURIComponent(sites.url('bank', path))}&fields=${encodeURIComponent(fields)}`,
        );
      switch (kind) {
        case 'cross-site form POST':
          return visit(on('evil', 'post', '/transfer'), '/transfer');
        case 'cross-site link (GET)':
          return visit(on('evil', 'link', '/account'), '/account');
        case 'cross-site fetch POST':
          return visit(on('evil', 'fetch', '/transfer'), '/transfer');
        case 'same-site sibling form POST':
          return visit(on('sub.bank', 'post', '/transfer'), '/transfer');
      }
    },
    async whoAmI() {
      await page.goto(sites.url('bank', '/whoami'));
      return ((await page.textContent('body')) ?? '').trim();
    },
    async ownTransfer() {
      const from = log.length;
      await page.goto(sites.url('bank'));
      await Promise.all([page.waitForURL('**/transfer'), page.click('#transfer button')]);
      const seen = await arrival(from, '/transfer');
      return { seen, answer: ((await page.textContent('body')) ?? '').trim() };
    },
    loginCsrf() {
      const fields = encodeURIComponent(JSON.stringify({ user: 'mallory' }));
      const to = encodeURIComponent(sites.url('bank', '/signin'));
      return visit(sites.url('evil', `/post?to=${to}&fields=${fields}`), '/signin');
    },
    async toss(cookie) {
      await page.goto(sites.url('sub.bank', `/toss?cookie=${encodeURIComponent(cookie)}`));
      const from = log.length;
      await page.goto(sites.url('bank', '/whoami'));
      return (await arrival(from, '/whoami'))?.cookies ?? [];
    },
    async close() {
      await browser.close();
      await sites.close();
    },
  };
  return lab;
}

/** Everything the lab shows, as data (for the tests) and as text (for the reader). */
export interface Findings {
  /** `rides[sameSite][attack]`: did the victim's session come with the attack? */
  rides: Record<SameSite, Record<Attack, boolean>>;
  /** `defences[name][attack or 'own form']`: the status the bank answered. */
  defences: Record<'origin check' | 'token', Record<string, number | undefined>>;
  /** Login CSRF: who the victim's browser is signed in as afterwards. */
  loginCsrf: { strictAlone: string; withOriginCheck: string; statusWithCheck?: number };
  /** Cookie tossing from the sibling: did the bank receive the planted cookie? */
  tossed: { plain: boolean; hostPrefixed: boolean };
  text: string;
}

export const SAME_SITES: readonly SameSite[] = ['unset', 'lax', 'strict', 'none'];

/** Run every scenario once, in order; `say` gets each line as it is known. */
export async function runAll(lab: Lab, say: (line: string) => void = () => {}): Promise<Findings> {
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    say(line);
  };
  const verdict = (o: Outcome) =>
    o.seen === undefined ? 'no request arrived' : o.seen.user ? 'session rode along' : 'no session';

  out("1. Does the victim's session ride along on the attacker's request?");
  const rides = {} as Findings['rides'];
  for (const sameSite of SAME_SITES) {
    rides[sameSite] = {} as Record<Attack, boolean>;
    out(`   SameSite ${sameSite === 'unset' ? '(not set)' : sameSite}`);
    for (const attack of ATTACKS) {
      await lab.useBank({ sameSite });
      await lab.signIn();
      const o = await lab.attack(attack);
      rides[sameSite][attack] = !!o.seen?.user;
      const where = o.seen ? `  [Sec-Fetch-Site: ${o.seen.secFetchSite}]` : '';
      out(`     ${attack.padEnd(28)} ${verdict(o)}${where}`);
    }
  }

  out('');
  out('2. The defences, with SameSite=None so the cookie always rides along');
  const defences = { 'origin check': {}, token: {} } as Findings['defences'];
  const guarded: ['origin check' | 'token', BankConfig][] = [
    ['origin check', { sameSite: 'none', originCheck: true }],
    ['token', { sameSite: 'none', token: true }],
  ];
  for (const [name, config] of guarded) {
    out(`   ${name === 'token' ? 'synchronizer token' : 'Origin / Sec-Fetch-Site check'}`);
    for (const attack of ['cross-site form POST', 'same-site sibling form POST'] as const) {
      await lab.useBank(config);
      await lab.signIn();
      const o = await lab.attack(attack);
      defences[name][attack] = o.seen?.status;
      out(`     ${attack.padEnd(28)} ${o.seen?.status} ${o.answer}`);
    }
    await lab.useBank(config);
    await lab.signIn();
    const own = await lab.ownTransfer();
    defences[name]['own form'] = own.seen?.status;
    out(`     ${"the bank's own form".padEnd(28)} ${own.seen?.status} ${own.answer}`);
  }

  out('');
  out("3. Login CSRF: evil.test posts the attacker's own name to /signin");
  await lab.useBank({ sameSite: 'strict' });
  const alone = await lab.loginCsrf();
  const strictAlone = await lab.whoAmI();
  out(
    `   SameSite=Strict alone           ${alone.seen?.status}, the victim is now signed in as: ${strictAlone}`,
  );
  await lab.useBank({ sameSite: 'strict', originCheck: true });
  const checked = await lab.loginCsrf();
  const withOriginCheck = await lab.whoAmI();
  out(
    `   SameSite=Strict + origin check  ${checked.seen?.status}, the victim is now signed in as: ${withOriginCheck}`,
  );

  out('');
  out('4. Cookie tossing: sub.bank.test sets a cookie with Domain=bank.test');
  await lab.useBank({ sameSite: 'lax' });
  const plainArrived = await lab.toss('sid=planted; Domain=bank.test; Path=/; Secure');
  out(`   sid=planted          bank.test receives: ${plainArrived.join(', ') || '(nothing)'}`);
  await lab.useBank({ sameSite: 'lax', key: '__Host-sid' });
  const hostArrived = await lab.toss('__Host-sid=planted; Domain=bank.test; Path=/; Secure');
  out(`   __Host-sid=planted   bank.test receives: ${hostArrived.join(', ') || '(nothing)'}`);

  return {
    rides,
    defences,
    loginCsrf: { strictAlone, withOriginCheck, statusWithCheck: checked.seen?.status },
    tossed: {
      plain: plainArrived.includes('sid'),
      hostPrefixed: hostArrived.includes('__Host-sid'),
    },
    text: `${lines.join('\n')}\n`,
  };
}
