import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import { age, csrfField, iso, layout } from './layout.js';

export interface DeadLetterRow {
  /** What the operations take: the delivery id, or the route job's id for a routing failure. */
  target: string;
  message: string;
  stage: 'delivery' | 'routing';
  to: string;
  reason: string;
  lastReply: string;
  attempts: number;
  ageMs: number;
  lastAttemptAt: number | undefined;
}

export type Action = 'retry' | 'replay' | 'delete';

export const ACTION_WORDS: Record<Action, string> = {
  retry: 'Retry: try the same delivery again now, with a fresh lifetime.',
  replay: 'Replay: route the message again through the current rules (its failed deliveries are removed first).',
  delete: 'Delete: the delivery leaves the queue for good and counts as finished; the message goes with its last delivery.',
};

function actions(principal: Principal, row: DeadLetterRow): Html {
  if (principal.role !== 'admin') return html`<span class="muted">read-only</span>`;
  const link = (action: Action) =>
    html`<a class="button" href="/dead-letters/confirm?action=${action}&amp;target=${encodeURIComponent(action === 'replay' ? row.message : row.target)}" data-action="${action}">${action}</a>`;
  return row.stage === 'routing' ? link('retry') : html`${link('retry')} ${link('replay')} ${link('delete')}`;
}

export function deadLettersPage(principal: Principal, rows: DeadLetterRow[], paging: { page: number; more: boolean } = { page: 0, more: false }): Html {
  const nav =
    paging.page > 0 || paging.more
      ? html`<p class="paging" id="dead-letter-pages">${paging.page > 0 ? html`<a href="/dead-letters?page=${paging.page - 1}" id="prev-page">previous</a>` : ''} page ${paging.page + 1} ${paging.more ? html`<a href="/dead-letters?page=${paging.page + 1}" id="next-page">next</a>` : ''}</p>`
      : '';
  return layout(
    'Dead letters',
    principal,
    html`${nav}${
      rows.length === 0
        ? html`<p class="notice info" id="no-dead-letters">No dead letters.</p>`
        : html`<table class="grid" id="dead-letters"><thead><tr><th>delivery</th><th>message</th><th>to</th><th>reason</th><th>last reply</th><th>attempts</th><th>age</th><th>last attempt</th><th></th></tr></thead><tbody>
${rows.map(
  (row) =>
    html`<tr data-message="${row.message}"><td>${row.target}</td><td><a href="/messages/${row.message}">${row.message}</a></td><td>${row.to}</td><td>${row.reason}</td><td class="reply">${row.lastReply}</td><td>${row.attempts}</td><td>${age(row.ageMs)}</td><td>${iso(row.lastAttemptAt)}</td><td>${actions(principal, row)}</td></tr>`,
)}
</tbody></table>`
    }`,
    '/dead-letters',
  );
}

export function confirmPage(principal: Principal, action: Action, target: string): Html {
  return layout(
    `Confirm ${action}`,
    principal,
    html`<p>${ACTION_WORDS[action]}</p>
<p>Target: <code>${target}</code></p>
<form method="post" action="/dead-letters/${action}">
  ${csrfField(principal)}
  <input type="hidden" name="target" value="${target}">
  <button type="submit" id="confirm">Yes, ${action} ${target}</button> <a href="/dead-letters">Cancel</a>
</form>`,
    '/dead-letters',
  );
}

export function actionResultPage(principal: Principal, action: Action, target: string, code: number, lines: string[]): Html {
  return layout(
    `${action} ${code === 0 ? 'done' : 'refused'}`,
    principal,
    html`<p class="notice ${code === 0 ? 'info' : 'bad'}" id="action-result">${action} ${target}: ${code === 0 ? 'done' : 'refused'}</p>
<pre class="source">${lines.join('\n')}</pre>
<p><a href="/dead-letters">Back to the dead letters</a> · <a href="/audit">Audit log</a></p>`,
    '/dead-letters',
  );
}
