/**
 * The pages, one function each. Every form posts (nothing changes on a
 * GET) and carries the session's CSRF token as a hidden `_csrf` field.
 * The stylesheet follows the reader's light or dark setting and fits a
 * phone.
 *
 * Read with: chapters/17-login.md#views
 */
import type { SessionData } from '../../src/index.js';
import { type Html, html, raw } from './html.js';
import type { User } from './users.js';

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --muted: #59636e;
  --line: #d1d9e0; --accent: #0969da; --warn: #cf222e; --soft: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117;
  --muted: #9198a1; --line: #3d444d; --accent: #4493f8; --warn: #f85149;
  --soft: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg);
  background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
  padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header strong { margin-right: auto; }
header a, main a { color: var(--accent); }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
form.stack { display: grid; gap: .75rem; max-width: 22rem; }
label { display: grid; gap: .25rem; }
input { font: inherit; padding: .5rem; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--fg); }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px;
  border: 1px solid var(--line); background: var(--soft); color: var(--fg);
  cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent);
  color: #fff; }
button.danger { color: var(--warn); }
form.inline { display: inline; margin: 0; }
.note { color: var(--muted); }
.error { color: var(--warn); }
ul.devices { list-style: none; padding: 0; display: grid; gap: .75rem; }
ul.devices li { border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem;
  align-items: center; justify-content: space-between; }
ul.devices .what { min-width: 0; overflow-wrap: anywhere; }
.this { font-size: .8rem; border: 1px solid var(--accent); color: var(--accent);
  border-radius: 999px; padding: 0 .5rem; margin-left: .5rem; }
`;

// #region layout
function page(title: string, user: User | undefined, csrf: string, body: Html) {
  const nav = user
    ? html`<a href="/">Home</a><a href="/devices">Your devices</a>
        <a href="/account">Password</a>
        <form class="inline" method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${csrf}">
          <button>Sign out ${user.name}</button></form>`
    : html`<a href="/login">Sign in</a>`;
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · login starter</title>
<link rel="icon" href="data:,"><style>${raw(STYLE)}</style></head>
<body><header><strong>login starter</strong>${nav}</header>
<main><h1>${title}</h1>${body}</main></body></html>`.text;
}
// #endregion layout

const hidden = (csrf: string) =>
  html`<input type="hidden" name="_csrf" value="${csrf}">`;

export function loginPage(
  csrf: string,
  opts: { error?: string; notice?: string; next?: string } = {},
) {
  return page(
    'Sign in',
    undefined,
    csrf,
    html`${opts.notice && html`<p class="note">${opts.notice}</p>`}
      ${opts.error && html`<p class="error" role="alert">${opts.error}</p>`}
      <form class="stack" method="post" action="/login">${hidden(csrf)}
        <input type="hidden" name="next" value="${opts.next ?? '/'}">
        <label>Name <input name="name" autocomplete="username" required></label>
        <label>Password <input name="password" type="password"
          autocomplete="current-password" required></label>
        <button class="primary">Sign in</button></form>`,
  );
}

export function homePage(user: User, csrf: string, session: SessionData) {
  const minutes = (ms: number) => Math.round(ms / 60_000);
  const since = typeof session.authAt === 'number' ? session.authAt : 0;
  return page(
    `Hello, ${user.name}`,
    user,
    csrf,
    html`<p>You signed in ${minutes(Date.now() - since)} min ago.</p>
      <p class="note">This session ends after a while without requests, and
      in any case some hours after you signed in. Changing your password
      signs out every other device.</p>`,
  );
}

export interface DeviceRow {
  hash: string;
  current: boolean;
  agent: string;
  ip: string;
  authAt: number;
  seenAt: number;
}

const when = (ms: number) =>
  new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export function devicesPage(
  user: User,
  csrf: string,
  rows: DeviceRow[],
  notice?: string,
) {
  const items = rows.map(
    (d) => html`<li><div class="what"><strong>${d.agent}</strong>
      ${d.current && html`<span class="this">this device</span>`}<br>
      <span class="note">${d.ip} · signed in ${when(d.authAt)} UTC ·
      last seen ${when(d.seenAt)} UTC</span></div>
      <form class="inline" method="post" action="/devices/revoke">
        ${hidden(csrf)}
        <input type="hidden" name="session" value="${d.hash}">
        <button class="danger">Sign out</button></form></li>`,
  );
  return page(
    'Your devices',
    user,
    csrf,
    html`${notice && html`<p class="note" role="status">${notice}</p>`}
      <ul class="devices">${items}</ul>
      <form method="post" action="/devices/revoke-all">${hidden(csrf)}
        <button class="danger">Sign out everywhere</button></form>`,
  );
}

export function accountPage(user: User, csrf: string, error?: string) {
  return page(
    'Change your password',
    user,
    csrf,
    html`${error && html`<p class="error" role="alert">${error}</p>`}
      <form class="stack" method="post" action="/account">${hidden(csrf)}
        <label>New password <input name="password" type="password"
          autocomplete="new-password" minlength="12" required></label>
        <button class="primary">Change password</button></form>
      <p class="note">Every other device is signed out.</p>`,
  );
}

export function reauthPage(
  user: User,
  csrf: string,
  next: string,
  error?: string,
) {
  return page(
    'Confirm it is you',
    user,
    csrf,
    html`${error && html`<p class="error" role="alert">${error}</p>`}
      <p>This needs your password again.</p>
      <form class="stack" method="post" action="/reauth">${hidden(csrf)}
        <input type="hidden" name="next" value="${next}">
        <label>Password <input name="password" type="password"
          autocomplete="current-password" required></label>
        <button class="primary">Confirm</button></form>`,
  );
}
