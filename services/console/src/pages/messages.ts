import type { IndexedMessage, MessageQuery } from '@mailsort/core';
import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import { iso, layout } from './layout.js';

export interface SearchForm {
  q: string;
  from: string;
  to: string;
  subject: string;
  since: string;
  until: string;
}

function field(label: string, name: keyof SearchForm, form: SearchForm, type = 'text'): Html {
  return html`<label>${label} <input name="${name}" type="${type}" value="${form[name]}"></label>`;
}

export function messagesPage(principal: Principal, form: SearchForm, found: { results: IndexedMessage[]; scanned: number; stopped: boolean; ms: number } | null, problem?: string): Html {
  return layout(
    'Messages',
    principal,
    html`<form method="get" action="/messages" class="search">
  ${field('Queue id, Message-ID or words', 'q', form)}
  ${field('From', 'from', form)} ${field('To', 'to', form)} ${field('Subject', 'subject', form)}
  ${field('Since', 'since', form, 'datetime-local')} ${field('Until', 'until', form, 'datetime-local')}
  <button type="submit">Search</button>
</form>
${problem ? html`<p class="notice bad">${problem}</p>` : ''}
${
  found
    ? html`<p class="muted" id="search-summary">${found.results.length} found (${found.scanned} looked at, ${found.ms} ms)</p>
${found.stopped ? html`<p class="notice info" id="search-stopped">search stopped after ${found.scanned} entries; narrow the time range</p>` : ''}
<table class="grid" id="results"><thead><tr><th>accepted</th><th>queue id</th><th>from</th><th>to</th><th>subject</th></tr></thead><tbody>
${found.results.map((entry) => html`<tr><td>${iso(entry.at)}</td><td><a href="/messages/${entry.id}">${entry.id}</a></td><td>${entry.from}</td><td>${entry.to.join(', ')}</td><td class="subject">${entry.subject}</td></tr>`)}
</tbody></table>`
    : ''
}`,
    '/messages',
  );
}

export const MAX_SEARCH_WORDS = 20;

/** The form's fields as an index query; a time that is not a date is refused with a clear word. */
export function searchQuery(form: SearchForm): MessageQuery | { problem: string } {
  const time = (value: string, name: string): number | undefined | { problem: string } => {
    if (!value) return undefined;
    const parsed = Date.parse(value.length === 16 ? `${value}:00Z` : value);
    return Number.isNaN(parsed) ? { problem: `${name}: "${value}" is not a date and time` } : parsed;
  };
  // Each word is looked for in every summary read (up to SEARCH_SCAN_LIMIT): thousands of them made one search take seconds.
  const words = [form.q, form.from, form.to, form.subject].flatMap((value) => value.split(/\s+/)).filter(Boolean).length;
  if (words > MAX_SEARCH_WORDS) return { problem: `${words} words: a search takes at most ${MAX_SEARCH_WORDS}` };
  const since = time(form.since, 'since');
  const until = time(form.until, 'until');
  if (typeof since === 'object') return since;
  if (typeof until === 'object') return until;
  return {
    ...(form.q ? { text: form.q } : {}),
    ...(form.from ? { from: form.from } : {}),
    ...(form.to ? { to: form.to } : {}),
    ...(form.subject ? { subject: form.subject } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}
