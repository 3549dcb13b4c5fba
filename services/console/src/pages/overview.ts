import { RATE_SERIES } from '@mailsort/core';
import { html, type Html } from '../html.js';
import type { Principal } from '../auth.js';
import { QUEUE_STATES, type Overview } from '../overview-data.js';
import { age, layout } from './layout.js';

const COLOURS: Record<string, string> = { accepted: '#3b6fd1', delivered: '#2e9a53', dropped: '#a0a0a0', dead: '#c8372d' };

/** The last hour's four rates as an SVG line chart drawn here, on the server (no script needed). */
function chart(overview: Overview): Html {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...overview.minutes.flatMap(({ counts }) => RATE_SERIES.map((series) => counts[series])));
  const x = (index: number) => Math.round((index / 59) * (width - 40)) + 30;
  const y = (value: number) => Math.round(height - 20 - (value / max) * (height - 40));
  const lines = RATE_SERIES.map((series) => {
    const points = overview.minutes.map(({ counts }, index) => `${x(index)},${y(counts[series])}`).join(' ');
    return html`<polyline fill="none" stroke="${COLOURS[series]!}" stroke-width="2" points="${points}"><title>${series}</title></polyline>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="messages per minute, last hour">
<line x1="30" y1="${height - 20}" x2="${width - 10}" y2="${height - 20}" stroke="#888"/>
<text x="0" y="${y(max) + 4}" font-size="10">${max}</text><text x="0" y="${height - 16}" font-size="10">0</text>
<text x="30" y="${height - 4}" font-size="10">-60 min</text><text x="${width - 40}" y="${height - 4}" font-size="10">now</text>
${lines}
</svg>
<p class="legend">${RATE_SERIES.map((series) => html`<span class="key key-${series}"></span>${series} `)}</p>`;
}

/** The part of the overview the page's script fetches again every few seconds. */
export function overviewFragment(overview: Overview): Html {
  return html`<section class="cards">
${RATE_SERIES.map((series) => html`<div class="card"><div class="label">${series}, last hour</div><div class="value" data-total="${series}">${overview.totals[series] ?? 0}</div></div>`)}
</section>
<h2>Messages per minute</h2>
${chart(overview)}
<h2>Queues</h2>
<table class="grid" id="queues"><thead><tr><th>queue</th>${QUEUE_STATES.map((state) => html`<th>${state}</th>`)}<th>oldest waiting</th><th></th></tr></thead>
<tbody>${overview.queues.map(
    (queue) =>
      html`<tr data-queue="${queue.queue}"><td>${queue.queue}</td>${QUEUE_STATES.map((state) => html`<td data-state="${state}">${queue.counts[state] ?? 0}</td>`)}<td>${age(queue.oldestMs)}</td><td>${queue.paused ? html`<strong class="bad">PAUSED</strong>` : ''}</td></tr>`,
  )}</tbody></table>
<h2>Upstreams</h2>
${
  overview.breakers.length === 0
    ? html`<p class="muted">No sender has reported its breakers in the last minute.</p>`
    : html`<table class="grid" id="breakers"><thead><tr><th>upstream</th><th>breaker</th><th>senders reporting</th></tr></thead><tbody>${overview.breakers.map(
        (breaker) => html`<tr><td>${breaker.upstream}</td><td class="${breaker.open ? 'bad' : 'ok'}">${breaker.open ? 'open (paused)' : 'closed'}</td><td>${breaker.senders}</td></tr>`,
      )}</tbody></table>`
}
<h2>GoCD</h2>
<p id="gocd">${overview.gocd ? `snapshot of ${overview.gocd.groups} pipeline groups from ${overview.gocd.source}, ${age(overview.gocd.ageMs)} old` : 'no snapshot (gocd-sync not configured or not run yet)'}</p>
<p class="muted">${overview.indexed} messages indexed for search · read ${new Date(overview.at).toISOString()}</p>`;
}

export function overviewPage(principal: Principal, overview: Overview): Html {
  return layout(
    'Overview',
    principal,
    html`<p class="notice bad" id="live-problem" hidden></p><div id="live" data-src="/overview/live" data-every="3000" data-updated="${overview.at}">${overviewFragment(overview)}</div>`,
    '/',
  );
}
