// What the router, gocd-sync and the CLI use of the rules engine; the rest stays inside core.
export * from './types.js';
export { evaluate } from './evaluate.js';
export { buildFacts } from './facts.js';
export { headerValues, addressesIn, subjectOf } from './headers.js';
export { resultOfEvent, stageKey } from './subjects/gocd.js';
export { ruleFunction } from './functions.js';
export { wants, wantingManager, managerNeedsBody, messageNeedsBody } from './managers.js';
export { destinationsFor, splitDestinations } from './destinations.js';
export { parsePipelineGroups, pipelineGroupsV1Schema, pipelineGroupsLegacySchema, type GroupsSnapshot } from './gocd-groups.js';
export { gocdReport, type GocdReport } from './gocd-report.js';
export { addBody, type BodyText } from './body-text.js';
