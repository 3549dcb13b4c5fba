import {
  addBody,
  buildFacts,
  messageNeedsBody,
  resultOfEvent,
  stageKey,
  wantingManager,
  type Config,
  type EvaluationContext,
  type GocdState,
  type MessageFacts,
  type MessageStore,
  type RouteJob,
} from '@mailsort/core';

export interface LoadedFacts {
  facts: MessageFacts;
  context: EvaluationContext;
  /** Age of the snapshot used, in seconds, when a gocd manager took the message. */
  snapshotAgeSeconds: number | undefined;
}

/**
 * Gathers what the pure engine needs, reading Redis only for what is used: the body for body
 * rules or for an alert parser that reads it (cron's output), and for a gocd manager the pipeline-group snapshot and the stage's
 * previous result (recorded atomically, so replicas and restarts share one history).
 */
export async function loadFacts(message: RouteJob, routing: Config['routing'], store: MessageStore, gocd: GocdState): Promise<LoadedFacts> {
  const facts = buildFacts(message.envelope, message.headers);
  const context: EvaluationContext = { groups: null, fallbackActions: routing.fallback_actions };
  const manager = wantingManager(routing.managers, message.envelope);
  let snapshotAgeSeconds: number | undefined;
  if (messageNeedsBody(manager, facts)) await addBody(facts, await store.get(message.id));
  if (manager?.kind === 'gocd') {
    const snapshot = await gocd.readSnapshot();
    context.groups = snapshot?.groups ?? null;
    if (snapshot) snapshotAgeSeconds = Math.max(0, (Date.now() - snapshot.checkedAt) / 1000);
    const said = facts.gocd?.subjectEvent;
    if (facts.gocd && said) context.previousStageResult = await gocd.recordStageResult(stageKey(facts.gocd), message.id, resultOfEvent(said));
  }
  return { facts, context, snapshotAgeSeconds };
}
