import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config, Service, ServiceDeps } from '@mailsort/core';
import { actionRoutes } from './action-routes.js';
import { assetRoutes } from './assets.js';
import { SESSION_COOKIE, type Principal } from './auth.js';
import { createConsoleContext, type ConsoleContext } from './console-context.js';
import { loginPage } from './pages/login.js';
import { messagePage } from './pages/layout.js';
import { readRoutes } from './read-routes.js';

/** Inline script is never allowed: an injected `<img onerror>` could not run even if escaping failed. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const BODY_LIMIT = 5 * 1024 * 1024;
const TRIM_EVERY_MS = 60_000;

export interface ConsoleService extends Service {
  /** The URL it listens on, once started. */
  url(): string;
}

function pageOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  if (path === '/' || path.startsWith('/overview')) return 'overview';
  if (path === '/messages') return 'messages';
  if (path.startsWith('/messages/')) return 'message';
  if (path.startsWith('/dead-letters')) return 'dead_letters';
  if (path.startsWith('/explain')) return 'explain';
  if (path.startsWith('/audit')) return 'audit';
  if (path.startsWith('/login') || path.startsWith('/logout')) return 'login';
  if (path.startsWith('/assets/')) return 'asset';
  if (path.startsWith('/api/')) return 'api';
  return 'other';
}

const OPEN_PATHS = new Set(['/login', '/assets/console.css', '/assets/console.js']);

/** The console's web app, built apart from listening (tests and bench use it the same way). */
export function buildConsoleApp(context: ConsoleContext, tls: { cert: Buffer; key: Buffer } | undefined): FastifyInstance {
  const app = (tls ? Fastify({ https: tls, bodyLimit: BODY_LIMIT }) : Fastify({ bodyLimit: BODY_LIMIT })) as unknown as FastifyInstance;
  const secure = tls !== undefined;
  void app.register(cookie);
  void app.register(formbody, { bodyLimit: BODY_LIMIT });

  app.addHook('onRequest', async (request, reply) => {
    (request as FastifyRequest & { started: number }).started = performance.now();
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    const page = pageOf(request.url);
    context.metrics.requests.inc({ page, status: `${Math.floor(reply.statusCode / 100)}xx` });
    context.metrics.duration.observe({ page }, (performance.now() - (request as FastifyRequest & { started: number }).started) / 1000);
  });

  // Who is asking: a bearer token, or a session cookie; a state change from a session needs its CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    const principal = context.auth.bearer(request.headers.authorization) ?? (await context.auth.session(request.cookies[SESSION_COOKIE]));
    if (!principal) {
      if (request.method === 'GET' && !path.startsWith('/api/') && path !== '/overview/live') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
      return reply.code(401).type('text/plain').send('log in first\n');
    }
    (request as FastifyRequest & { principal: Principal }).principal = principal;
    if (request.method !== 'GET' && request.method !== 'HEAD' && !context.auth.csrfOk(principal, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      context.logger.warn({ user: principal.user, path, code: 'CONSOLE_CSRF_REFUSED' }, 'state-changing request without a valid CSRF token refused');
      return reply
        .code(403)
        .type('text/html')
        .send(messagePage('Forbidden', principal, 'This form has expired or did not come from the console (CSRF token missing or wrong). Reload the page and try again.', 'bad').text);
    }
  });

  app.get('/login', async (request, reply) => reply.type('text/html').send(loginPage(undefined, safeNext((request.query as Record<string, unknown>).next)).text));
  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const address = request.ip;
    if (context.throttle.blocked(address)) {
      context.metrics.logins.inc({ result: 'rate_limited' });
      return reply.code(429).type('text/html').send(loginPage('Too many failed logins from this address; wait a few minutes.', next).text);
    }
    const user = typeof body.user === 'string' ? body.user : '';
    const done = await context.auth.login(user, typeof body.password === 'string' ? body.password : '');
    if (!done) {
      context.throttle.failed(address);
      context.metrics.logins.inc({ result: 'invalid_credentials' });
      context.logger.warn({ code: 'CONSOLE_LOGIN_FAILED', user: user.slice(0, 64), address }, 'console login failed');
      return reply.code(401).type('text/html').send(loginPage('Wrong user name or password.', next).text);
    }
    context.throttle.succeeded(address);
    context.metrics.logins.inc({ result: 'ok' });
    context.logger.info({ user: done.principal.user, role: done.principal.role, address }, 'console login');
    reply.setCookie(SESSION_COOKIE, done.cookie, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: Math.round(context.config.console.session_ttl / 1000) });
    return reply.redirect(next, 303);
  });
  app.post('/logout', async (request, reply) => {
    await context.auth.logout(request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  assetRoutes(app);
  readRoutes(app, context);
  actionRoutes(app, context);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/html')
      .send(messagePage('Not found', (request as FastifyRequest & { principal?: Principal }).principal, 'No such page.', 'bad').text),
  );
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) context.logger.error({ code: 'CONSOLE_REQUEST_FAILED', err: error, path: request.url.split('?')[0] }, 'console request failed');
    return reply
      .code(status)
      .type('text/plain')
      .send(status >= 500 ? 'the console could not answer; see its log\n' : `${(error as Error).message}\n`);
  });
  return app;
}

/** Only a path of this console: a login link cannot send the user elsewhere. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

/** `mailsort console`: the operator web page (docs/console.md). */
export function createConsoleService(config: Config, { logger, registry, redis }: ServiceDeps): ConsoleService {
  const connection = redis.connect('producer');
  const context = createConsoleContext(config, connection, logger, registry);
  const { tls } = config.console;
  const app = buildConsoleApp(context, tls ? { cert: readFileSync(tls.cert_file), key: readFileSync(tls.key_file) } : undefined);
  let listening = false;
  let address = '';
  let trimTimer: NodeJS.Timeout | undefined;
  const trim = () =>
    context.index.trim(Date.now() - context.config.redis.trace_ttl).catch((error: Error) => logger.debug({ code: 'INDEX_WRITE_FAILED', err: error.message }, 'message index not trimmed'));
  return {
    async start() {
      await app.listen({ host: config.console.host, port: config.console.port });
      const info = app.server.address() as AddressInfo;
      address = `${tls ? 'https' : 'http'}://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
      listening = true;
      trimTimer = setInterval(trim, TRIM_EVERY_MS);
      trimTimer.unref();
      logger.info({ url: address, users: config.console.users.length, tokens: config.console.tokens.length }, `console listening on ${address}`);
      if (config.console.users.length === 0 && config.console.tokens.length === 0) logger.warn({ code: 'CONSOLE_NO_USERS' }, 'console.users and console.tokens are empty: nobody can log in');
    },
    url: () => address,
    isReady: () => listening,
    async stopIntake() {
      listening = false;
      clearInterval(trimTimer);
      await app.close();
    },
    async closeWorkers() {},
    async closeProducers() {
      await Promise.allSettled([context.admin.deliver.close(), context.admin.route.close()]);
    },
    reload(next) {
      // Users, tokens and the session length apply to the next request; listen and TLS need a restart.
      context.config = next;
    },
  };
}
