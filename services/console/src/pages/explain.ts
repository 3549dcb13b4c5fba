import type { Destination } from '@mailsort/core';
import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import { csrfField, layout } from './layout.js';

export interface ExplainForm {
  eml: string;
  from: string;
  to: string;
}

export interface ExplainAnswer {
  rows: Array<[string, string]>;
  destinations: Destination[];
}

function rewrites(destinations: Destination[]): Html {
  const smtp = destinations.flatMap((destination) => (destination.kind === 'smtp' ? [destination] : []));
  if (smtp.length === 0) return html``;
  return html`<h2>Rewritten headers</h2><table class="grid" id="rewrites"><thead><tr><th>upstream</th><th>envelope to</th><th>headers set</th><th>headers removed</th></tr></thead><tbody>
${smtp.map(
  (destination) =>
    html`<tr><td>${destination.upstream}</td><td>${destination.envelope.to.join(', ')}</td><td>${Object.entries(destination.rewrites?.set ?? {}).map(([name, value]) => html`<div>${name}: ${value}</div>`)}</td><td>${(destination.rewrites?.remove ?? []).join(', ')}</td></tr>`,
)}</tbody></table>`;
}

/** Explain changes nothing, but it is a POST (the mail is large): it carries the CSRF token like every form. */
export function explainPage(principal: Principal, form: ExplainForm, answer: ExplainAnswer | null, problem?: string): Html {
  return layout(
    'Explain',
    principal,
    html`<p>Paste a mail (or pick an .eml file): the router's own engine says what it would do with it. A dry run: nothing is stored or sent.</p>
<form method="post" action="/explain" class="explain">
  ${csrfField(principal)}
  <label>Message file <input type="file" id="eml-file" accept=".eml,message/rfc822,text/plain"></label>
  <label>Message <textarea name="eml" id="eml" rows="14" required>${form.eml}</textarea></label>
  <label>Envelope from (optional) <input name="from" value="${form.from}"></label>
  <label>Envelope to, comma separated (optional) <input name="to" value="${form.to}"></label>
  <button type="submit" id="explain-submit">Explain</button>
</form>
${problem ? html`<p class="notice bad" id="explain-problem">${problem}</p>` : ''}
${
  answer
    ? html`<h2>Answer</h2><table class="grid" id="explain-answer"><tbody>${answer.rows.map(([label, value]) => html`<tr><th>${label}</th><td>${value}</td></tr>`)}</tbody></table>${rewrites(answer.destinations)}`
    : ''
}`,
    '/explain',
  );
}
