import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake GoCD server built from GoCD's documented API (api.gocd.org, PipelineGroupsControllerV1):
 * GET /go/api/admin/pipeline_groups needs Accept application/vnd.go.cd.v1+json (or the
 * "latest" vnd.go.cd+json) and answers 404 otherwise; a user who is not an admin gets 403 with
 * GoCD's JSON message; an ETag comes with every answer and a matching If-None-Match gets 304.
 * Optionally the unversioned /go/api/config/pipeline_groups of GoCD before 20.3, and /go/cctray.xml.
 */
export interface FakeGocdOptions {
  groups: Array<{ name: string; pipelines: string[] }>;
  /** Basic-auth users; `admin: false` users get 403. */
  users?: Record<string, { password: string; admin: boolean }>;
  /** Access tokens (bearer), all admin. */
  tokens?: string[];
  /** Serve the legacy unversioned API as well (GoCD before 20.3). */
  legacy?: boolean;
  /** Serve only the legacy API (the v1 path answers 404, as on GoCD before 18.10). */
  legacyOnly?: boolean;
  /** `pipeline :: stage` → Success | Failure for /go/cctray.xml. */
  cctray?: Record<string, 'Success' | 'Failure'>;
}

export interface FakeGocdRequest {
  path: string;
  accept: string | undefined;
  authorization: string | undefined;
  ifNoneMatch: string | undefined;
  status: number;
}

const V1 = 'application/vnd.go.cd.v1+json';
const LATEST = 'application/vnd.go.cd+json';

export async function startFakeGocd(options: FakeGocdOptions) {
  let groups = options.groups;
  let mode: 'ok' | 'garbage' | 'error' = 'ok';
  const requests: FakeGocdRequest[] = [];
  const sockets = new Set<Socket>();
  const users = options.users ?? { admin: { password: 'secret', admin: true } };
  const tokens = options.tokens ?? [];

  function json(response: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8', headers: Record<string, string> = {}): number {
    response.writeHead(status, { 'content-type': type, ...headers }).end(JSON.stringify(body));
    return status;
  }

  /** undefined: no or wrong credentials; otherwise whether the user is an admin. */
  function authenticate(request: IncomingMessage): boolean | undefined {
    const header = request.headers.authorization ?? '';
    const bearer = /^bearer (.+)$/i.exec(header);
    if (bearer) return tokens.includes(bearer[1]!) ? true : undefined;
    const basic = /^basic (.+)$/i.exec(header);
    if (!basic) return undefined;
    const [user, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    const known = users[user ?? ''];
    return known && known.password === rest.join(':') ? known.admin : undefined;
  }

  function v1Body(base: string) {
    return {
      _links: {
        self: { href: `${base}/go/api/admin/pipeline_groups` },
        doc: { href: 'https://api.gocd.org/current/#pipeline-group-config' },
        find: { href: `${base}/go/api/admin/pipeline_groups/:group_name` },
      },
      _embedded: {
        groups: groups.map((group) => ({
          _links: { self: { href: `${base}/go/api/admin/pipeline_groups/${group.name}` } },
          name: group.name,
          authorization: { admins: { users: ['admin'], roles: [] } },
          pipelines: group.pipelines.map((name) => ({ _links: { self: { href: `${base}/go/api/admin/pipelines/${name}` } }, name })),
        })),
      },
    };
  }

  function handle(request: IncomingMessage, response: ServerResponse): number {
    const path = (request.url ?? '/').split('?')[0]!;
    const base = `http://${request.headers.host}`;
    if (mode === 'error') return json(response, 500, { message: 'Internal server error' });
    const auth = authenticate(request);
    if (path === '/go/api/admin/pipeline_groups' && !options.legacyOnly) {
      const accept = request.headers.accept ?? '';
      if (
        !accept
          .split(',')
          .map((type) => type.trim().split(';')[0])
          .some((type) => type === V1 || type === LATEST)
      ) {
        return json(response, 404, { message: 'The url you are trying to reach appears to be incorrect.' });
      }
      if (auth === undefined) return json(response, 401, { message: 'You are not authenticated!' }, `${V1}; charset=utf-8`);
      if (!auth) return json(response, 403, { message: 'You are not authorized to perform this action.' }, `${V1}; charset=utf-8`);
      if (mode === 'garbage') {
        response.writeHead(200, { 'content-type': `${V1}; charset=utf-8` }).end('<html>maintenance</html>');
        return 200;
      }
      const body = JSON.stringify(v1Body(base));
      const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag }).end();
        return 304;
      }
      response.writeHead(200, { 'content-type': `${V1}; charset=utf-8`, etag }).end(body);
      return 200;
    }
    if (path === '/go/api/config/pipeline_groups' && (options.legacy || options.legacyOnly)) {
      if (auth === undefined) return json(response, 401, { message: 'You are not authenticated!' });
      if (mode === 'garbage') return json(response, 200, { oops: true });
      return json(
        response,
        200,
        groups.map((group) => ({ name: group.name, pipelines: group.pipelines.map((name) => ({ name, label: '${COUNT}', materials: [], stages: [] })) })),
      );
    }
    if (path === '/go/cctray.xml' && options.cctray) {
      if (auth === undefined) {
        response.writeHead(403, { 'content-type': 'application/xml' }).end('<access-denied><message>You are not authorized to access this resource!</message></access-denied>');
        return 403;
      }
      const projects = Object.entries(options.cctray).map(
        ([name, status]) => `  <Project name="${name}" activity="Sleeping" lastBuildStatus="${status}" lastBuildLabel="1" lastBuildTime="2026-01-01T00:00:00Z" webUrl="${base}/go/pipelines/x" />`,
      );
      response.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="utf-8"?>\n<Projects>\n${projects.join('\n')}\n</Projects>\n`);
      return 200;
    }
    return json(response, 404, { message: 'The url you are trying to reach appears to be incorrect.' });
  }

  const server = createServer((request, response) => {
    const status = handle(request, response);
    requests.push({
      path: (request.url ?? '/').split('?')[0]!,
      accept: request.headers.accept,
      authorization: request.headers.authorization,
      ifNoneMatch: request.headers['if-none-match'],
      status,
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/go`,
    port,
    requests,
    setGroups(next: Array<{ name: string; pipelines: string[] }>) {
      groups = next;
    },
    /** `garbage`: 200 with something that is not a group list; `error`: 500 to everything. */
    setMode(next: 'ok' | 'garbage' | 'error') {
      mode = next;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeGocd = Awaited<ReturnType<typeof startFakeGocd>>;
