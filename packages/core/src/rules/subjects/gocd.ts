import type { GocdEvent, GocdStage, StageResult } from '../types.js';

// GoCD's StageNotificationService: "Stage [" + pipeline/counter/stage/counter + "]" + event description.
// Searched, not anchored, so `Re: Stage [...] failed` still matches, as in mail2alert.
const STAGE_SUBJECT = /Stage \[([^/\]]+)\/([^/\]]+)\/([^/\]]+)\/([^/\]]+)\]\s*(.*)$/;

const WORDINGS: Record<string, GocdEvent> = {
  passed: 'PASSES',
  failed: 'FAILS',
  'is broken': 'BREAKS',
  'is fixed': 'FIXED',
  'is cancelled': 'CANCELLED',
};

/** GoCD's wording of each event (the subject suffix), for building example subjects. */
export const GOCD_WORDING: Record<GocdEvent, string> = {
  PASSES: 'passed',
  FAILS: 'failed',
  BREAKS: 'is broken',
  FIXED: 'is fixed',
  CANCELLED: 'is cancelled',
};

/**
 * Parses a GoCD stage subject (already unfolded, decoded, whitespace-collapsed). A stage
 * subject with an unknown wording keeps its pipeline with no event, as mail2alert did.
 */
export function parseGocdSubject(subject: string): GocdStage | undefined {
  const match = STAGE_SUBJECT.exec(subject);
  if (!match) return undefined;
  const [, pipeline, pipelineCounter, stage, stageCounter, wording] = match as unknown as [string, string, string, string, string, string];
  const event = WORDINGS[wording.trim().toLowerCase()];
  return { source: 'gocd', pipeline, pipelineCounter, stage, stageCounter, subjectEvent: event, event, corrected: false };
}

/** The stage result an event leaves behind (mail2alert's build_state_factory). */
export function resultOfEvent(event: GocdEvent): StageResult {
  if (event === 'PASSES' || event === 'FIXED') return 'success';
  if (event === 'FAILS' || event === 'BREAKS') return 'failure';
  return 'unknown';
}

function expectedEvent(result: StageResult, previous: StageResult): GocdEvent | undefined {
  if (result === 'success') return previous === 'success' ? 'PASSES' : 'FIXED';
  if (result === 'failure') return previous === 'failure' ? 'FAILS' : 'BREAKS';
  return undefined;
}

/**
 * mail2alert's edge correction. GoCD compares with the previous *completed* result, so after
 * a cancelled run it says `failed`/`passed` where `is broken`/`is fixed` was meant. When the
 * previous result is known and the expected event is BREAKS or FIXED, that event wins.
 */
export function correctStageEvent(stage: GocdStage, previous: StageResult | undefined): GocdStage {
  const said = stage.subjectEvent;
  if (said === undefined || previous === undefined || previous === 'unknown') return stage;
  const expected = expectedEvent(resultOfEvent(said), previous);
  if ((expected === 'BREAKS' || expected === 'FIXED') && expected !== said) return { ...stage, event: expected, corrected: true };
  return stage;
}

/** The key of a stage in the shared history (GoCD names are case-insensitive). */
export function stageKey(stage: Pick<GocdStage, 'pipeline' | 'stage'>): string {
  return `${stage.pipeline}/${stage.stage}`.toLowerCase();
}
