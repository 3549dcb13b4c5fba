import { parseGocdSubject, stageKey } from '../rules/subjects/gocd.js';
import type { GocdEvent } from '../rules/types.js';
import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

// BREAKS/FAILS and FIXED/PASSES differ only by the previous result: the status is the same
// either way, so the event does not wait for the router's BREAKS/FIXED correction.
const EVENTS: Record<GocdEvent, { status: AlertStatus; severity: AlertSeverity }> = {
  BREAKS: { status: 'firing', severity: 'error' },
  FAILS: { status: 'firing', severity: 'error' },
  FIXED: { status: 'resolved', severity: 'info' },
  PASSES: { status: 'resolved', severity: 'info' },
  CANCELLED: { status: 'info', severity: 'info' },
};

/** GoCD stage notifications: `Stage [pipeline/counter/stage/counter] is broken`. */
export const gocdParser: AlertParser = {
  name: 'gocd',
  version: 1,
  parse({ subject }) {
    const stage = parseGocdSubject(subject);
    if (!stage) return undefined;
    const said = stage.subjectEvent;
    const { status, severity } = said ? EVENTS[said] : { status: 'info' as const, severity: 'info' as const };
    const wording = subject.slice(subject.indexOf(']') + 1).trim();
    return {
      key: alertKey('gocd', stageKey(stage)),
      status,
      severity,
      summary: subject,
      labels: { pipeline: stage.pipeline, stage: stage.stage, pipeline_counter: stage.pipelineCounter, stage_counter: stage.stageCounter, ...(said ? { event: said } : {}) },
      why: [
        { field: 'source', from: 'Subject', detail: 'Stage [pipeline/counter/stage/counter] …' },
        { field: 'key', from: 'Subject', detail: `pipeline/stage ${stageKey(stage)} (counters left out)` },
        { field: 'status', from: 'Subject', detail: said ? `"${wording}" is ${said}: ${status}` : `unknown wording "${wording}": info` },
        { field: 'severity', from: 'Subject', detail: said ? `${said} is ${severity}` : 'an unknown wording is info' },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'labels', from: 'Subject', detail: 'pipeline, stage and counters from the stage locator' },
      ],
    };
  },
};
