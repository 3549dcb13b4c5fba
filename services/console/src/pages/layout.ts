import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';

const NAV: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/messages', 'Messages'],
  ['/dead-letters', 'Dead letters'],
  ['/explain', 'Explain'],
  ['/audit', 'Audit log'],
];

/** Every page's frame: the local stylesheet and script (the CSP forbids any other), the menu, who is logged in. */
export function layout(title: string, principal: Principal | undefined, body: Html, current = ''): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · mailsort console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<header class="top">
  <span class="brand">mailsort console</span>
  ${
    principal
      ? html`<nav>${NAV.map(([href, label]) => html`<a href="${href}"${current === href ? html` class="current"` : ''}>${label}</a>`)}</nav>
  <form method="post" action="/logout" class="who"><span>${principal.user} (${principal.role})</span>${csrfField(principal)}<button type="submit">Log out</button></form>`
      : ''
  }
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function csrfField(principal: Principal): Html {
  return html`<input type="hidden" name="_csrf" value="${principal.csrf ?? ''}">`;
}

export function messagePage(title: string, principal: Principal | undefined, text: string, tone: 'bad' | 'info' = 'info'): Html {
  return layout(title, principal, html`<p class="notice ${tone}">${text}</p>`);
}

export function age(ms: number | null): string {
  if (ms === null) return '-';
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export const iso = (ms: number | undefined) =>
  ms
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '-';
