import type { GroupingSettings, RouteAlerting } from '../alerts/grouping/types.js';
import type { FloodControlSettings, RouteFloodControl } from '../guards/flood-types.js';
import type { AlertEvent, AlertEventFilter } from '../alerts/types.js';
import type { Envelope } from '../queues/payloads.js';

export const GOCD_EVENT_NAMES = ['PASSES', 'FAILS', 'BREAKS', 'FIXED', 'CANCELLED'] as const;
export type GocdEvent = (typeof GOCD_EVENT_NAMES)[number];

/** The last known result of a GoCD pipeline/stage, as mail2alert's BuildState. */
export type StageResult = 'success' | 'failure' | 'unknown';

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded, RFC 2047-decoded value with runs of whitespace collapsed to one blank. */
  value: string;
}

/** A GoCD stage notification: `Stage [pipeline/counter/stage/counter] passed`. */
export interface GocdStage {
  source: 'gocd';
  pipeline: string;
  pipelineCounter: string;
  stage: string;
  stageCounter: string;
  /** As the subject says it; undefined for a wording mailsort does not know. */
  subjectEvent: GocdEvent | undefined;
  /** After mail2alert's BREAKS/FIXED correction from the stage's previous result. */
  event: GocdEvent | undefined;
  corrected: boolean;
}

export interface JenkinsBuild {
  source: 'jenkins';
  /** Full job name, folders joined with '/'. */
  job: string;
  build: number | undefined;
  /** FAILURE, STILL_FAILING, UNSTABLE, STILL_UNSTABLE, SUCCESS, FIXED, ABORTED, NOT_BUILT, BUILDING, UNKNOWN. */
  status: string | undefined;
}

export interface AlertmanagerNotice {
  source: 'alertmanager';
  status: 'firing' | 'resolved';
  firing: number | undefined;
  /** The first group label value; `alertname` when it is grouped on (Alertmanager sorts it first). */
  alertname: string;
  /** Every label value in the subject, in order. */
  labels: string[];
}

export type RecognisedEvent = GocdStage | JenkinsBuild | AlertmanagerNotice;

/** Everything the rules may look at. Built from the route job (and the body only when needed). */
export interface MessageFacts {
  envelope: Envelope;
  subject: string;
  /** False when the message has no Subject header at all (`subject` is then ''). */
  hasSubject: boolean;
  headers: HeaderField[];
  /** Addresses in the From header. */
  fromAddresses: string[];
  /** Addresses in the To and Cc headers. */
  toAddresses: string[];
  gocd: GocdStage | undefined;
  jenkins: JenkinsBuild | undefined;
  alertmanager: AlertmanagerNotice | undefined;
  /** The decoded text body; undefined when it was not loaded (no rule of the manager needs it). */
  body: string | undefined;
  /** Why the body could not be read, when a rule needed it (see body-text.ts). */
  bodyProblem?: string | undefined;
}

export interface PipelineGroup {
  name: string;
  pipelines: string[];
}

/** Read-only lookups the rules need; the router fills them from Redis before evaluating. */
export interface EvaluationContext {
  /** GoCD pipeline groups from gocd-sync's snapshot; null when there is none yet. */
  groups: PipelineGroup[] | null;
  /** The previous result of the message's pipeline/stage (for the BREAKS/FIXED correction). */
  previousStageResult?: StageResult | undefined;
  /** Actions used when a rule could not be evaluated (managers may override). */
  fallbackActions?: readonly string[] | undefined;
}

export const RULE_ERROR_CODES = ['RULE_UNKNOWN_GROUP', 'RULE_NO_GROUPS', 'RULE_NO_SUBJECT', 'RULE_INVALID', 'RULE_NO_BODY'] as const;
export type RuleErrorCode = (typeof RULE_ERROR_CODES)[number];

export interface RuleProblem {
  code: RuleErrorCode;
  rule: string;
  message: string;
}

export type DropReason = 'no_rule_matched' | 'not_a_stage_mail' | 'no_actions';

export interface WebhookAction {
  kind: 'webhook';
  webhook: string;
  format: 'slack' | 'json';
  style: 'brief' | 'full';
}

interface DecisionBase {
  /** The manager that took the message; null when none wanted it. */
  manager: string | null;
  /** The first rule that matched (its name, or `rules[i] function(args)`); null when none did. */
  rule: string | null;
  /** Every rule that matched, in order. */
  rules: string[];
  /** One sentence a user can read. */
  reason: string;
  event: RecognisedEvent | null;
  /** The message's normalised alert event (docs/alerts.md), computed once per message. */
  alert: AlertEvent;
  problems: RuleProblem[];
  /** The envelope recipients the taking manager does not claim, and what happens to them. */
  others?: OtherRecipients | undefined;
}

/** A route's on_dead actions, parsed like its actions. */
export interface DeadContacts {
  recipients: string[];
  webhooks: WebhookAction[];
}

export interface OtherRecipients {
  addresses: string[];
  action: 'deliver' | 'drop';
}

/** The closed set of outcomes. */
export type Decision =
  | (DecisionBase & {
      action: 'deliver';
      manager: string;
      recipients: string[];
      webhooks: WebhookAction[];
      fallback: boolean;
      /** Grouping and threading for the route that decided (docs/alerts.md); null when it has neither, and for fallback deliveries. */
      alerting?: RouteAlerting | null;
      /** Flood control for the route that decided (docs/guards.md); null when it has none, and for fallback deliveries. */
      flood?: RouteFloodControl | null;
      /** Who hears of this route's dead letters (on_dead, docs/guards.md); absent when the route names none. */
      onDead?: DeadContacts | undefined;
    })
  | (DecisionBase & { action: 'passthrough'; recipients: []; webhooks: [] })
  | (DecisionBase & { action: 'drop'; manager: string; recipients: []; webhooks: []; dropReason: DropReason });

/** The slice of a manager's configuration the engine reads (native and mail2alert alike). */
export interface ManagerRules {
  name: string;
  kind: 'gocd' | 'mail';
  messages_we_want: { to?: string | readonly string[] | undefined; from?: string | readonly string[] | undefined };
  rules: ReadonlyArray<RuleDefinition>;
  fallback_actions?: readonly string[] | undefined;
  /** Envelope recipients the manager does not claim: delivered unchanged (the default) or dropped. */
  other_recipients?: 'deliver' | 'drop' | undefined;
  on_dead?: readonly string[] | undefined;
  grouping?: GroupingSettings | undefined;
  threading?: boolean | undefined;
  flood_control?: FloodControlSettings | undefined;
}

export interface RuleDefinition {
  name?: string | undefined;
  actions: readonly string[];
  /** A function, an event filter, or both (all must match); check.ts refuses neither. */
  filter: { function?: string | undefined; args: readonly string[]; events?: readonly GocdEvent[] | undefined; event?: AlertEventFilter | undefined };
  on_dead?: readonly string[] | undefined;
  grouping?: GroupingSettings | undefined;
  threading?: boolean | undefined;
  flood_control?: FloodControlSettings | undefined;
  bypass_flood_control?: boolean | undefined;
}
