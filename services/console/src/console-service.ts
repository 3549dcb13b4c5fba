import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { isConnectionError, type Config, type Service, type ServiceDeps } from '@mailsort/core';
import { actionRoutes } from './action-routes.js';
import { BODY_LIMIT, EXPLAIN_BODY_LIMIT } from './limits.js';
import { assetRoutes } from './assets.js';
import { sessionCookieName, type Principal } from './auth.js';
import { createConsoleContext, type ConsoleContext } from './console-context.js';
import { loginPage } from './pages/login.js';
import { messagePage } from './pages/layout.js';
import { readRoutes } from './read-routes.js';

/** Inline script is never allowed: an injected `<img onerror>` could not run even if escaping failed. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
/** The overview's own polling: it must not keep a forgotten tab's session alive. */
const POLLING_PATHS = new Set(['/overview/live', '/api/overview']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The Host names this console answers to (DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example). */
export function allowedHosts(port: number, publicHosts: readonly string[]): Set<string> {
  return new Set([...LOOPBACK_NAMES.map((name) => `${name}:${port}`), ...publicHosts].map((host) => host.toLowerCase()));
}

/** A state change must come from the console's own pages: Origin (or, without it, Sec-Fetch-Site) says where the request started. */
export function crossSite(headers: FastifyRequest['headers'], host: string | undefined): boolean {
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  // Under Referrer-Policy: no-referrer Chromium sends `Origin: null` for its own form posts: Sec-Fetch-Site then decides.
  if (typeof origin === 'string' && origin !== '' && origin !== 'null') {
    try {
      return new URL(origin).host.toLowerCase() !== (host ?? '').toLowerCase();
    } catch {
      return true;
    }
  }
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  return origin === 'null';
}

type ConsoleRequest = FastifyRequest & { principal?: Principal; started: number };

/** The console's web app, built apart from listening (tests and bench use it the same way). */
export function buildConsoleApp(context: ConsoleContext, tls: { cert: Buffer; key: Buffer } | undefined): FastifyInstance {
  const app = (tls ? Fastify({ https: tls, bodyLimit: BODY_LIMIT }) : Fastify({ bodyLimit: BODY_LIMIT })) as unknown as FastifyInstance;
  // Behind a TLS proxy the console speaks HTTP but the browser sees HTTPS: console.cookie_secure says so.
  const secure = context.config.console.cookie_secure ?? tls !== undefined;
  const hsts = tls !== undefined;
  const cookieName = sessionCookieName(secure);
  void app.register(cookie);
  // No limit of its own: each route's (BODY_LIMIT, or explain's) applies.
  void app.register(formbody);

  app.addHook('onRequest', async (request, reply) => {
    (request as ConsoleRequest).started = performance.now();
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
    if (hsts) reply.header('strict-transport-security', 'max-age=31536000');
  });
  app.addHook('onResponse', async (request, reply) => {
    const page = pageOf(request.url);
    context.metrics.requests.inc({ page, status: `${Math.floor(reply.statusCode / 100)}xx` });
    context.metrics.duration.observe({ page }, (performance.now() - (request as ConsoleRequest).started) / 1000);
  });

  // Before the body is read: the Host, where a state change comes from, and who is asking (a bearer token or a session cookie).
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host?.toLowerCase();
    const port = (app.server.address() as AddressInfo | null)?.port ?? context.config.console.port;
    if (!host || !allowedHosts(port, context.config.console.public_hosts).has(host)) {
      context.logger.warn({ code: 'CONSOLE_HOST_REFUSED', host: (host ?? '').slice(0, 100) }, 'request for another host name refused');
      return reply.code(421).type('text/plain').send('this console does not answer to that host name; add it to console.public_hosts\n');
    }
    const path = request.url.split('?')[0]!;
    if (request.method !== 'GET' && request.method !== 'HEAD' && crossSite(request.headers, host)) {
      context.logger.warn({ code: 'CONSOLE_CSRF_REFUSED', path }, 'cross-site state-changing request refused');
      return reply.code(403).type('text/plain').send("refused: this request did not come from the console's own pages\n");
    }
    if (OPEN_PATHS.has(path)) return;
    const principal = context.auth.bearer(request.headers.authorization) ?? (await context.auth.session(request.cookies[cookieName], !POLLING_PATHS.has(path)));
    if (!principal) {
      if (request.method === 'GET' && !path.startsWith('/api/') && path !== '/overview/live') return reply.redirect(`/login?next=${encodeURIComponent(safeNext(request.url))}`);
      return reply.code(401).type('text/plain').send('log in first\n');
    }
    (request as ConsoleRequest).principal = principal;
  });
  // After parsing (the token is a form field): a state change from a session needs its CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    const principal = (request as ConsoleRequest).principal;
    if (!principal || request.method === 'GET' || request.method === 'HEAD') return;
    if (!context.auth.csrfOk(principal, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      context.logger.warn({ user: principal.user, path: request.url.split('?')[0], code: 'CONSOLE_CSRF_REFUSED' }, 'state-changing request without a valid CSRF token refused');
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
    const user = typeof body.user === 'string' ? body.user : '';
    const admission = context.throttle.admit(address, user);
    if (!admission.ok) {
      context.metrics.logins.inc({ result: admission.why });
      const why = admission.why === 'busy' ? 'Too many logins at once; try again in a moment.' : 'Too many failed logins from this address or for this user; wait a few minutes.';
      return reply.code(429).type('text/html').send(loginPage(why, next).text);
    }
    let done: Awaited<ReturnType<typeof context.auth.login>>;
    try {
      done = await context.auth.login(user, typeof body.password === 'string' ? body.password : '');
    } finally {
      admission.release(done !== undefined);
    }
    if (!done) {
      context.metrics.logins.inc({ result: 'invalid_credentials' });
      context.logger.warn({ code: 'CONSOLE_LOGIN_FAILED', user: user.slice(0, 64), address }, 'console login failed');
      await context.audit.append({ at: Date.now(), user: user.slice(0, 64), role: '-', action: 'login', target: address, result: 'refused', exit: 1, output: ['wrong user name or password'] });
      return reply.code(401).type('text/html').send(loginPage('Wrong user name or password.', next).text);
    }
    context.metrics.logins.inc({ result: 'ok' });
    context.logger.info({ user: done.principal.user, role: done.principal.role, address }, 'console login');
    await context.audit.append({ at: Date.now(), user: done.principal.user, role: done.principal.role, action: 'login', target: address, result: 'done', exit: 0, output: [] });
    reply.setCookie(cookieName, done.cookie, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: Math.round(Math.min(context.config.console.session_ttl, context.config.console.session_max_age) / 1000),
    });
    return reply.redirect(next, 303);
  });
  app.post('/logout', async (request, reply) => {
    const principal = (request as ConsoleRequest).principal;
    await context.auth.logout(request.cookies[cookieName]);
    if (principal) await context.audit.append({ at: Date.now(), user: principal.user, role: principal.role, action: 'logout', target: request.ip, result: 'done', exit: 0, output: [] });
    reply.clearCookie(cookieName, { path: '/', secure });
    return reply.redirect('/login', 303);
  });

  assetRoutes(app);
  readRoutes(app, context);
  actionRoutes(app, context);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/html')
      .send(messagePage('Not found', (request as ConsoleRequest).principal, 'No such page.', 'bad').text),
  );
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) {
      const limit = request.url.startsWith('/explain') ? `${EXPLAIN_BODY_LIMIT / 1024 / 1024} MB (a bigger mail: use \`mailsort explain FILE\`)` : `${BODY_LIMIT / 1024} KB`;
      return reply.code(413).type('text/plain').send(`request body too large: this page takes at most ${limit}\n`);
    }
    // Every page reads Redis: without it the answer is that, not "see the log". The process stays up and answers again once Redis is back.
    if (isConnectionError(error)) {
      context.logger.warn({ code: 'REDIS_UNAVAILABLE', path: request.url.split('?')[0], error: (error as Error).message }, 'console request without Redis');
      return reply
        .code(503)
        .header('retry-after', '5')
        .type('text/plain')
        .send(`Redis does not answer (${(error as Error).message}): the console cannot read or change anything until it is back; reload then\n`);
    }
    if (status >= 500) context.logger.error({ code: 'CONSOLE_REQUEST_FAILED', err: error, path: request.url.split('?')[0] }, 'console request failed');
    return reply
      .code(status)
      .type('text/plain')
      .send(status >= 500 ? 'the console could not answer; see its log\n' : `${(error as Error).message}\n`);
  });
  return app;
}

/**
 * Only a plain path of this console: no `//host`, `/\\host`, tab, CR or LF can send the user elsewhere or break the header.
 * `+` is a search form's space (`/messages?q=build+failed`): without it an expired session's login lost the search.
 */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/[A-Za-z0-9/_?=&%.+-]*$/.test(value) && !value.includes('//') ? value : '/';
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
