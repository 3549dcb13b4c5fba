import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ALL_OPEN_TYPES, deliverJobSchema, describeDestination, findDeliveries, isMessageId, routeJobSchema, type ShardQueues } from '@mailsort/core';

type Job = Awaited<ReturnType<ShardQueues['all'][number]['getJobs']>>[number];
import type { Principal } from './auth.js';
import type { ConsoleContext } from './console-context.js';
import { messageStory, type DeliveryView } from './message-story.js';
import { auditPage } from './pages/audit.js';
import { deadLettersPage, type DeadLetterRow } from './pages/dead-letters.js';
import { messagePage } from './pages/layout.js';
import { messageDetailPage } from './pages/message.js';
import { messagesPage, searchQuery, type SearchForm } from './pages/messages.js';
import { overviewFragment, overviewPage } from './pages/overview.js';
import { readOverview } from './overview-data.js';
import { bodyOffset } from '@mailsort/core';

const principalOf = (request: FastifyRequest) => (request as FastifyRequest & { principal: Principal }).principal;
const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The pages that only read: overview, search, a message, the dead letters, the audit log. */
export function readRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const overview = () => readOverview(context.redis, context.prefix, [...context.admin.route.all, ...context.admin.deliver.all], () => context.index.count());

  app.get('/', async (request, reply) => reply.type('text/html').send(overviewPage(principalOf(request), await overview()).text));
  app.get('/overview/live', async (_request, reply) => reply.type('text/html').send(overviewFragment(await overview()).text));
  app.get('/api/overview', async () => overview());

  app.get('/messages', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const form: SearchForm = { q: text(query.q).trim(), from: text(query.from), to: text(query.to), subject: text(query.subject), since: text(query.since), until: text(query.until) };
    const searched = Object.values(form).some((value) => value !== '');
    // A queue id goes straight to its page, as `mailsort trace ID` would.
    if (isMessageId(form.q)) return reply.redirect(`/messages/${form.q}`);
    if (/^d-/.test(form.q)) {
      const [delivery] = await findDeliveries(context.admin, form.q, [...ALL_OPEN_TYPES, 'completed']);
      if (delivery) return reply.redirect(`/messages/${delivery.data.id}`);
    }
    const parsed = searchQuery(form);
    if ('problem' in parsed)
      return reply
        .code(400)
        .type('text/html')
        .send(messagesPage(principalOf(request), form, null, parsed.problem).text);
    let found = null;
    if (searched || query.all !== undefined) {
      const started = performance.now();
      const result = await context.index.search(parsed);
      found = { ...result, ms: Math.round(performance.now() - started) };
    } else {
      const started = performance.now();
      found = { ...(await context.index.search({ limit: 50 })), ms: 0 };
      found.ms = Math.round(performance.now() - started);
    }
    return reply.type('text/html').send(messagesPage(principalOf(request), form, found).text);
  });

  app.get('/messages/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!isMessageId(id))
      return reply
        .code(404)
        .type('text/html')
        .send(messagePage('Unknown message', principalOf(request), `${id} is not a queue id (M followed by 19 letters and digits).`, 'bad').text);
    const [entry, trace, raw] = await Promise.all([context.index.find(id), context.traces.read(id), context.admin.store.get(id)]);
    if (!entry && trace.length === 0 && !raw) {
      return reply
        .code(404)
        .type('text/html')
        .send(messagePage('Unknown message', principalOf(request), `No message ${id}: unknown, or older than redis.trace_ttl.`, 'bad').text);
    }
    const deliveries = await deliveryViews(context, trace);
    return reply
      .type('text/html')
      .send(
        messageDetailPage(principalOf(request), { id, entry, story: messageStory(entry, trace, deliveries), raw: raw ?? null, headers: raw ? raw.subarray(0, bodyOffset(raw)).toString('utf8') : null })
          .text,
      );
  });

  app.get('/dead-letters', async (request, reply) => {
    const page = Math.max(0, Math.min(1_000_000, Number.parseInt(text((request.query as Record<string, unknown>).page), 10) || 0));
    const { rows, more } = await deadLetterRows(context, page);
    return reply.type('text/html').send(deadLettersPage(principalOf(request), rows, { page, more }).text);
  });
  app.get('/audit', async (request, reply) => reply.type('text/html').send(auditPage(principalOf(request), await context.audit.recent(200)).text));
}

/** Each delivery the router made (from the trace's routed events), with its job's state and the sender's record. */
async function deliveryViews(context: ConsoleContext, trace: Awaited<ReturnType<ConsoleContext['traces']['read']>>): Promise<DeliveryView[]> {
  const seen = new Map<string, string>();
  for (const event of trace) {
    if (event.event !== 'routed' || !Array.isArray(event.destinations)) continue;
    for (const destination of event.destinations as Array<{ deliveryId: string; kind: string; upstream?: string; envelope?: { to: string[] }; format?: string }>) {
      seen.set(destination.deliveryId, destination.kind === 'smtp' ? `${destination.upstream}: ${(destination.envelope?.to ?? []).join(', ')}` : `webhook (${destination.format})`);
    }
  }
  return Promise.all(
    [...seen].map(async ([deliveryId, to]) => {
      const [job, record] = await Promise.all([context.admin.deliver.forId(deliveryId).getJob(deliveryId), context.admin.states.get(deliveryId)]);
      const state = job ? await job.getState() : 'gone';
      return { deliveryId, to, state: state === 'waiting' || state === 'prioritized' ? 'queued' : state, record };
    }),
  );
}

/** Dead letters per page of the list: the failed deliveries and failed routings at that page, not every failed job. */
export const DEAD_LETTERS_PER_PAGE = 100;

/** Failed jobs `start`..`end` of every shard together, oldest first as BullMQ lists one queue's: each shard's first `end + 1`, merged (one shard: exactly its page). */
async function failedAcrossShards(queues: ShardQueues, start: number, end: number): Promise<Job[]> {
  if (queues.all.length === 1) return queues.all[0]!.getJobs(['failed'], start, end, true);
  const perShard = await Promise.all(queues.all.map((queue) => queue.getJobs(['failed'], 0, end, true)));
  return perShard
    .flat()
    .filter((job): job is Job => Boolean(job))
    .sort((a, b) => (a.finishedOn ?? a.timestamp) - (b.finishedOn ?? b.timestamp))
    .slice(start, end + 1);
}

async function deadLetterRows(context: ConsoleContext, page: number): Promise<{ rows: DeadLetterRow[]; more: boolean }> {
  const now = Date.now();
  const start = page * DEAD_LETTERS_PER_PAGE;
  const end = start + DEAD_LETTERS_PER_PAGE; // one more than a page: is there a next one?
  const [deliverJobs, routeJobs] = await Promise.all([failedAcrossShards(context.admin.deliver, start, end), failedAcrossShards(context.admin.route, start, end)]);
  const more = deliverJobs.length > DEAD_LETTERS_PER_PAGE || routeJobs.length > DEAD_LETTERS_PER_PAGE;
  const failed = deliverJobs.slice(0, DEAD_LETTERS_PER_PAGE).flatMap((job) => {
    const parsed = deliverJobSchema.safeParse(job?.data);
    return job && parsed.success ? [{ job, data: parsed.data }] : [];
  });
  const routed = routeJobs.slice(0, DEAD_LETTERS_PER_PAGE).flatMap((job) => {
    const parsed = routeJobSchema.safeParse(job?.data);
    return job && parsed.success ? [{ job, data: parsed.data }] : [];
  });
  const rows: DeadLetterRow[] = await Promise.all(
    failed.map(async ({ job, data }) => {
      const record = await context.admin.states.get(data.deliveryId);
      return {
        target: data.deliveryId,
        message: data.id,
        stage: 'delivery' as const,
        to: describeDestination(data),
        reason: record?.result ? `${record.result}${record.lastReason ? ` (${record.lastReason})` : ''}` : 'failed',
        lastReply: record?.lastReply ?? job.failedReason ?? '',
        attempts: record?.attempts ?? job.attemptsMade,
        ageMs: now - data.acceptedAt,
        lastAttemptAt: record?.lastAttemptAt ?? job.finishedOn,
      };
    }),
  );
  for (const { job, data } of routed) {
    rows.push({
      target: job.id ?? '',
      message: data.id,
      stage: 'routing',
      to: 'routing',
      reason: 'routing failed',
      lastReply: job.failedReason ?? '',
      attempts: job.attemptsMade,
      ageMs: now - data.acceptedAt,
      lastAttemptAt: job.finishedOn,
    });
  }
  return { rows, more };
}
