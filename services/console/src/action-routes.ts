import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleActor, explainMail, explainRows, lentRedis, queueDelete, queueReplay, queueRetry } from '@mailsort/core';
import type { Principal } from './auth.js';
import type { ConsoleContext } from './console-context.js';
import { EXPLAIN_BODY_LIMIT } from './limits.js';
import { actionResultPage, confirmPage, type Action } from './pages/dead-letters.js';
import { explainPage, type ExplainForm } from './pages/explain.js';
import { messagePage } from './pages/layout.js';

const principalOf = (request: FastifyRequest) => (request as FastifyRequest & { principal: Principal }).principal;
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const ACTIONS: readonly Action[] = ['retry', 'replay', 'delete'];
const isAction = (value: string): value is Action => (ACTIONS as readonly string[]).includes(value);

/** The pages that change state (dead-letter actions, through core's queue operations only) and explain (a dry run). */
export function actionRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/dead-letters/confirm', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const action = text(query.action);
    const target = text(query.target);
    if (!isAction(action) || !target)
      return reply
        .code(400)
        .type('text/html')
        .send(messagePage('Bad request', principalOf(request), 'action is retry, replay or delete, and a target is needed', 'bad').text);
    if (principalOf(request).role !== 'admin') return forbidden(request, reply, action);
    return reply.type('text/html').send(confirmPage(principalOf(request), action, target).text);
  });

  app.post('/dead-letters/:action', async (request, reply) => {
    const { action } = request.params as { action: string };
    const target = text((request.body as Record<string, unknown> | undefined)?.target).trim();
    if (!isAction(action) || !target)
      return reply
        .code(400)
        .type('text/html')
        .send(messagePage('Bad request', principalOf(request), 'action is retry, replay or delete, and a target is needed', 'bad').text);
    const principal = principalOf(request);
    if (principal.role !== 'admin') return forbidden(request, reply, action);
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const actor = consoleActor(principal.user);
    const audited = { user: principal.user, role: principal.role, action, target };
    // Written before the operation, so one that throws partway still leaves a trace of who asked.
    await context.audit.append({ at: Date.now(), ...audited, result: 'attempted', exit: null, output: [] });
    let exit: number | null = null;
    try {
      exit =
        action === 'retry'
          ? await queueRetry(context.admin, target, false, io, actor)
          : action === 'replay'
            ? await queueReplay(context.admin, target, io, actor)
            : await queueDelete(context.admin, target, io, actor);
    } finally {
      const result = exit === null ? 'failed' : exit === 0 ? 'done' : 'refused';
      const entry = { at: Date.now(), ...audited, result, exit, output: lines } as const;
      context.logger.info({ audit: true, ...entry }, `console ${action} ${target} by ${principal.user}: ${result}`);
      await context.audit.append(entry);
      context.metrics.actions.inc({ action, result: exit === 0 ? 'done' : 'refused' });
    }
    return reply
      .code(exit === 0 ? 200 : 409)
      .type('text/html')
      .send(actionResultPage(principal, action, target, exit, lines).text);
  });

  app.get('/explain', async (request, reply) => reply.type('text/html').send(explainPage(principalOf(request), { eml: '', from: '', to: '' }, null).text));

  app.post('/explain', { bodyLimit: EXPLAIN_BODY_LIMIT }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const form: ExplainForm = { eml: text(body.eml), from: text(body.from).trim(), to: text(body.to).trim() };
    if (!form.eml.trim())
      return reply
        .code(400)
        .type('text/html')
        .send(explainPage(principalOf(request), form, null, 'paste a message (headers, a blank line, the body)').text);
    // A pasted mail has the browser's line ends (the router sees CRLF) and is text the browser sent as UTF-8.
    const raw = Buffer.from(form.eml.replace(/\r?\n/g, '\r\n'), 'utf8');
    const to = form.to
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean);
    const explained = await explainMail(context.config, { raw, ...(form.from ? { from: form.from } : {}), ...(to.length > 0 ? { to } : {}) }, lentRedis(context.redis));
    if ('error' in explained)
      return reply
        .code(400)
        .type('text/html')
        .send(explainPage(principalOf(request), form, null, explained.error.replace('give --to ADDRESS', 'fill in the envelope to')).text);
    return reply.type('text/html').send(explainPage(principalOf(request), form, { rows: explainRows(explained, '(pasted)'), destinations: explained.destinations }).text);
  });

  async function forbidden(request: FastifyRequest, reply: FastifyReply, action: Action) {
    const principal = principalOf(request);
    const target = text((request.body as Record<string, unknown> | undefined)?.target ?? (request.query as Record<string, unknown>).target).slice(0, 200);
    context.metrics.actions.inc({ action, result: 'forbidden' });
    await context.audit.append({ at: Date.now(), user: principal.user, role: principal.role, action, target, result: 'forbidden', exit: null, output: [`${principal.role} may not ${action}`] });
    context.logger.warn({ audit: true, user: principal.user, role: principal.role, action, code: 'CONSOLE_FORBIDDEN' }, `console ${action} refused: ${principal.user} is ${principal.role}`);
    return reply
      .code(403)
      .type('text/html')
      .send(messagePage('Forbidden', principal, `${principal.user} is read-only: ${action} needs the admin role.`, 'bad').text);
  }
}
