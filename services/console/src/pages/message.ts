import type { IndexedMessage } from '@mailsort/core';
import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import type { Story } from '../message-story.js';
import { iso, layout } from './layout.js';

export interface MessageView {
  id: string;
  entry: IndexedMessage | undefined;
  story: Story;
  /** The stored message, while mailsort still holds it (until its deliveries finish, or a dead letter's keep_for). */
  raw: Buffer | null;
  headers: string | null;
}

export function messageDetailPage(principal: Principal, view: MessageView): Html {
  const { story, entry } = view;
  return layout(
    `Message ${view.id}`,
    principal,
    html`<p class="summary">Subject: <strong class="subject" id="subject">${entry?.subject ?? '(not indexed)'}</strong><br>
Message-ID: ${entry?.messageId || '-'} · outcome: <strong id="outcome" class="${story.outcome === 'dead' ? 'bad' : story.outcome === 'delivered' ? 'ok' : ''}">${story.outcome}</strong></p>
<h2>Timeline</h2>
<ol class="timeline" id="timeline">
${story.steps.map(
  (step) => html`<li class="${step.tone}"><span class="when">${iso(step.at)}</span> <span class="by">${step.by}</span> <strong>${step.title}</strong>
<dl>${step.details.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl></li>`,
)}
</ol>
<h2>Deliveries</h2>
${
  story.deliveries.length === 0
    ? html`<p class="muted">No delivery.</p>`
    : html`<table class="grid" id="deliveries"><thead><tr><th>delivery</th><th>to</th><th>state</th><th>attempts</th><th>last reply</th></tr></thead><tbody>
${story.deliveries.map((delivery) => html`<tr><td>${delivery.deliveryId}</td><td>${delivery.to}</td><td>${delivery.state}</td><td>${delivery.record?.attempts ?? 0}</td><td>${delivery.record?.lastReply ?? ''}</td></tr>`)}
</tbody></table>`
}
<h2>Headers</h2>
${view.headers === null ? html`<p class="muted">The message is no longer stored: mailsort deletes it once its deliveries finish (a dead letter keeps it for delivery.dead_letters.keep_for).</p>` : html`<pre class="source" id="headers">${view.headers}</pre>`}
<h2>Source</h2>
${view.raw === null ? html`<p class="muted">Not stored any more.</p>` : html`<pre class="source" id="source">${view.raw.toString('utf8')}</pre>`}`,
    '/messages',
  );
}
