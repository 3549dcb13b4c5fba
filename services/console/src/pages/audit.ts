import type { AuditEntry } from '@mailsort/core';
import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import { iso, layout } from './layout.js';

export function auditPage(principal: Principal, entries: AuditEntry[]): Html {
  return layout(
    'Audit log',
    principal,
    entries.length === 0
      ? html`<p class="notice info">Nothing changed from the console yet.</p>`
      : html`<table class="grid" id="audit"><thead><tr><th>when</th><th>who</th><th>role</th><th>action</th><th>target</th><th>result</th><th>what the operation said</th></tr></thead><tbody>
${entries.map(
  (entry) =>
    html`<tr><td>${iso(entry.at)}</td><td>${entry.user}</td><td>${entry.role}</td><td>${entry.action}</td><td>${entry.target}</td><td class="${entry.result === 'done' ? 'ok' : entry.result === 'attempted' ? '' : 'bad'}">${entry.result}</td><td>${entry.output.join(' / ')}</td></tr>`,
)}</tbody></table>`,
    '/audit',
  );
}
