import { pipelineGroupsLegacySchema, pipelineGroupsV1Schema, type Config, type ErrorCode, type PipelineGroup } from '@mailsort/core';

export type GocdSettings = NonNullable<Config['gocd']>;
export type GocdApi = 'v1' | 'legacy';

const V1_MEDIA_TYPE = 'application/vnd.go.cd.v1+json';

type FetchResult =
  | { kind: 'groups'; api: GocdApi; groups: PipelineGroup[]; etag: string | undefined }
  | { kind: 'not-modified'; api: GocdApi }
  | { kind: 'error'; code: ErrorCode; reason: string; message: string };

const PATHS: Record<GocdApi, string> = { v1: '/api/admin/pipeline_groups', legacy: '/api/config/pipeline_groups' };

export function authHeaders(gocd: GocdSettings): Record<string, string> {
  if (gocd.token !== undefined) return { authorization: `bearer ${gocd.token}` };
  if (gocd.username !== undefined) return { authorization: `Basic ${Buffer.from(`${gocd.username}:${gocd.password ?? ''}`).toString('base64')}` };
  return {};
}

export function gocdUrl(gocd: GocdSettings, path: string): string {
  return gocd.url.replace(/\/+$/, '') + path;
}

async function request(gocd: GocdSettings, path: string, headers: Record<string, string>): Promise<Response | FetchResult> {
  try {
    return await fetch(gocdUrl(gocd, path), { headers: { ...authHeaders(gocd), ...headers }, signal: AbortSignal.timeout(gocd.timeout), redirect: 'manual' });
  } catch (error) {
    const timeout = (error as Error).name === 'TimeoutError';
    return {
      kind: 'error',
      code: 'GOCD_UNREACHABLE',
      reason: timeout ? 'timeout' : 'unreachable',
      message: `GET ${path}: ${timeout ? `no answer within ${gocd.timeout} ms` : (error as Error).message}`,
    };
  }
}

async function fetchFrom(gocd: GocdSettings, api: GocdApi, etag: string | undefined): Promise<FetchResult> {
  const path = PATHS[api];
  // mail2alert sent no Accept header to the legacy API; GoCD's v1 answers 404 to any Accept but its own.
  const headers: Record<string, string> = api === 'v1' ? { accept: V1_MEDIA_TYPE } : { accept: 'application/json' };
  if (etag) headers['if-none-match'] = etag;
  const response = await request(gocd, path, headers);
  if (!(response instanceof Response)) return response;
  if (response.status === 304) return { kind: 'not-modified', api };
  if (response.status === 401 || response.status === 403 || response.status === 404) {
    const body = (await response.text().catch(() => '')).slice(0, 200);
    const reason = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'not_found';
    return { kind: 'error', code: 'GOCD_REJECTED', reason, message: `GET ${path}: ${response.status} ${body}`.trim() };
  }
  if (response.status !== 200) return { kind: 'error', code: 'GOCD_BAD_RESPONSE', reason: 'status', message: `GET ${path}: unexpected status ${response.status}` };
  let document: unknown;
  try {
    document = JSON.parse(await response.text());
  } catch {
    return { kind: 'error', code: 'GOCD_BAD_RESPONSE', reason: 'invalid', message: `GET ${path}: the answer is not JSON` };
  }
  const parsed = api === 'v1' ? pipelineGroupsV1Schema.safeParse(document) : pipelineGroupsLegacySchema.safeParse(document);
  if (!parsed.success) return { kind: 'error', code: 'GOCD_BAD_RESPONSE', reason: 'invalid', message: `GET ${path}: not a pipeline-group list` };
  const list =
    api === 'v1'
      ? (parsed.data as { _embedded: { groups: Array<{ name: string; pipelines: Array<{ name: string }> }> } })._embedded.groups
      : (parsed.data as Array<{ name: string; pipelines: Array<{ name: string }> }>);
  return { kind: 'groups', api, groups: list.map((group) => ({ name: group.name, pipelines: group.pipelines.map((p) => p.name) })), etag: response.headers.get('etag') ?? undefined };
}

/**
 * One poll of GoCD's pipeline groups. `auto` asks the current API and falls back to the
 * legacy one when the server does not know it (404), remembering what worked in `lastApi`.
 */
export async function fetchPipelineGroups(gocd: GocdSettings, etag: string | undefined, lastApi: GocdApi | undefined): Promise<FetchResult> {
  if (gocd.api !== 'auto') return fetchFrom(gocd, gocd.api, etag);
  const first: GocdApi = lastApi ?? 'v1';
  const result = await fetchFrom(gocd, first, etag);
  if (result.kind === 'error' && result.reason === 'not_found') return fetchFrom(gocd, first === 'v1' ? 'legacy' : 'v1', undefined);
  return result;
}
