import type { Config } from '../config/schema/index.js';
import { headerSection } from '../mail/header-block.js';
import { parseMailbox, uniqueMailboxes } from '../mail/mailbox.js';
import type { Destination } from '../queues/payloads.js';
import { addBody } from '../rules/body-text.js';
import { splitDestinations } from '../rules/destinations.js';
import { evaluate } from '../rules/evaluate.js';
import { buildFacts } from '../rules/facts.js';
import { addressesIn, headerValues } from '../rules/headers.js';
import { messageNeedsBody, wantingManager } from '../rules/managers.js';
import { stageKey } from '../rules/subjects/gocd.js';
import type { Decision, EvaluationContext, StageResult } from '../rules/types.js';
import { createGocdState } from '../store/gocd-state.js';
import { explainGrouping, type GroupingExplained } from './explain-grouping.js';
import { snapshotGroups, type ExplainRedis, type GroupsSource } from './explain-redis.js';

export interface ExplainInput {
  raw: Buffer;
  /** Envelope sender; from the From header when absent. */
  from?: string;
  /** Envelope recipients; from the To header when empty. */
  to?: readonly string[];
  previous?: StageResult;
  /** Pipeline groups given by the caller (a file, read only when a gocd manager takes the mail; it may throw); otherwise gocd-sync's snapshot in Redis. */
  groups?: () => GroupsSource;
}

export interface Explained {
  subject: string;
  envelope: { from: string; to: string[] };
  decision: Decision;
  groupsOrigin: string;
  notes: string[];
  destinations: Destination[];
  grouping: GroupingExplained | null;
}

/**
 * What the router would do with a message, without doing it: the router's own engine on the
 * raw message, reading (never writing) gocd-sync's snapshot and the alert groups in Redis.
 * `mailsort explain` and the console's explain page both print this.
 */
export async function explainMail(config: Config, input: ExplainInput, source: ExplainRedis): Promise<Explained | { error: string }> {
  const { raw } = input;
  const headers = headerSection(raw);
  const parsedHeaders = buildFacts({ from: '', to: ['-'] }, headers).headers;
  // The same canonical spelling ingest would have accepted, so explain decides as the router does.
  const canonical = (address: string) => {
    const parsed = parseMailbox(address);
    return parsed.ok ? parsed.address : address;
  };
  const envelope = {
    from: canonical(input.from ?? headerValues(parsedHeaders, 'from').flatMap(addressesIn)[0] ?? ''),
    to: uniqueMailboxes((input.to ? [...input.to] : headerValues(parsedHeaders, 'to').flatMap(addressesIn)).map(canonical)),
  };
  if (envelope.to.length === 0) return { error: 'the message has no To header; give --to ADDRESS' };
  const manager = wantingManager(config.routing.managers, envelope);
  const facts = buildFacts(envelope, headers);
  if (messageNeedsBody(manager, facts)) await addBody(facts, raw);
  const context: EvaluationContext = { groups: null, fallbackActions: config.routing.fallback_actions };
  if (input.previous) context.previousStageResult = input.previous;
  let groupsOrigin = 'not needed (no gocd manager takes this message)';
  const notes: string[] = [];
  if (manager?.kind === 'gocd') {
    if (input.groups) {
      const given = input.groups();
      context.groups = given.groups;
      groupsOrigin = given.origin;
    } else {
      const connected = await source.open();
      if ('error' in connected) {
        groupsOrigin = `none: ${connected.error}; give --gocd-groups FILE to work offline`;
      } else {
        try {
          const gocd = createGocdState(connected.redis, config.redis.prefix);
          const snapshot = await snapshotGroups(gocd);
          context.groups = snapshot.groups;
          groupsOrigin = snapshot.origin;
          if (!input.previous && facts.gocd) context.previousStageResult = await gocd.peekStageResult(stageKey(facts.gocd));
          if (context.previousStageResult) notes.push(`previous result of ${stageKey(facts.gocd!)}: ${context.previousStageResult} (from Redis)`);
        } finally {
          source.release(connected.redis);
        }
      }
    }
  }
  const decision = evaluate(config.routing.managers, facts, context);
  const { routed, others } = splitDestinations(decision, envelope, { defaultUpstream: config.routing.default_upstream, webhooks: config.routing.webhooks });
  const grouping = await explainGrouping(config, decision, routed, source);
  return { subject: facts.subject, envelope, decision, groupsOrigin, notes, destinations: [...routed, ...others], grouping };
}
