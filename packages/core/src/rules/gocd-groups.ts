import { z } from 'zod';
import type { PipelineGroup } from './types.js';

const named = z.object({ name: z.string().min(1) });

/** GoCD's `GET /go/api/admin/pipeline_groups` (Accept: application/vnd.go.cd.v1+json). */
export const pipelineGroupsV1Schema = z.object({
  _embedded: z.object({ groups: z.array(named.extend({ pipelines: z.array(named).default([]) })) }),
});

/** The unversioned `GET /go/api/config/pipeline_groups` of GoCD before 20.3 (what mail2alert read). */
export const pipelineGroupsLegacySchema = z.array(named.extend({ pipelines: z.array(named).default([]) }));

/** gocd-sync's snapshot in Redis: the groups with the time they were fetched. */
export const groupsSnapshotSchema = z.object({
  v: z.literal(1),
  fetchedAt: z.number(),
  /** When GoCD last confirmed it (a 200 or a 304). */
  checkedAt: z.number(),
  source: z.string(),
  etag: z.string().optional(),
  groups: z.array(z.object({ name: z.string(), pipelines: z.array(z.string()) })),
});

export type GroupsSnapshot = z.infer<typeof groupsSnapshotSchema>;

/**
 * Reads any of the three shapes (a saved v1 response, a legacy array, a snapshot) into groups.
 * Returns undefined for anything else, so garbage never replaces a good snapshot.
 */
export function parsePipelineGroups(document: unknown): PipelineGroup[] | undefined {
  const v1 = pipelineGroupsV1Schema.safeParse(document);
  if (v1.success) return v1.data._embedded.groups.map((group) => ({ name: group.name, pipelines: group.pipelines.map((p) => p.name) }));
  const legacy = pipelineGroupsLegacySchema.safeParse(document);
  if (legacy.success) return legacy.data.map((group) => ({ name: group.name, pipelines: group.pipelines.map((p) => p.name) }));
  const snapshot = groupsSnapshotSchema.safeParse(document);
  if (snapshot.success) return snapshot.data.groups;
  return undefined;
}
