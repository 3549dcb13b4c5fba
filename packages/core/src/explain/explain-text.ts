import type { AlertEvent } from '../alerts/types.js';
import type { RecognisedEvent } from '../rules/types.js';
import type { Explained } from './explain-mail.js';
import { describeGrouping } from './explain-grouping.js';
import { deliveredTo, describeRecipients } from './explain-recipients.js';

/** The one word a JSON consumer matches on: the GoCD event, the Jenkins status or the alert status. */
function eventWord(event: RecognisedEvent | null): string | null {
  if (!event) return null;
  if (event.source === 'gocd') return event.event ?? null;
  return event.status ?? null;
}

function describeEvent(event: RecognisedEvent | null): string {
  if (!event) return '(not a GoCD, Jenkins or Alertmanager mail)';
  if (event.source === 'gocd') {
    const corrected = event.corrected ? ` (the subject said ${event.subjectEvent}; corrected from the stage's previous result)` : '';
    return `GoCD stage ${event.pipeline}/${event.pipelineCounter}/${event.stage}/${event.stageCounter}: ${event.event ?? 'unknown wording'}${corrected}`;
  }
  if (event.source === 'jenkins') return `Jenkins job ${event.job}${event.build !== undefined ? ` #${event.build}` : ''}: ${event.status ?? 'unknown status'}`;
  return `Alertmanager ${event.status}${event.firing !== undefined ? ` (${event.firing} firing)` : ''}: ${event.alertname}`;
}

/** The alert event and, under it, where each field came from. */
function describeAlert(alert: AlertEvent): Array<[string, string]> {
  const labels = Object.entries(alert.labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return [
    ['alert', `${alert.source} ${alert.status} ${alert.severity} key ${alert.key} (${alert.parser})${alert.host ? ` host ${alert.host}` : ''}${labels ? ` ${labels}` : ''}`],
    ...alert.why.map((why): [string, string] => ['  why', `${why.field} from ${why.from}: ${why.detail}`]),
  ];
}

const webhooksOf = ({ decision }: Explained) => decision.webhooks.map((hook) => `${hook.format === 'slack' ? 'slack' : 'webhook'}:${hook.webhook}:${hook.style}`);

/** `mailsort explain --json`'s object. */
export function explainJson(explained: Explained): Record<string, unknown> {
  const { subject, envelope, decision, groupsOrigin, destinations, grouping } = explained;
  const goesTo = deliveredTo(destinations);
  return {
    action: decision.action,
    recipients: goesTo.recipients,
    upstreams: goesTo.upstreams,
    webhooks: webhooksOf(explained),
    manager: decision.manager,
    rule: decision.rule,
    rules: decision.rules,
    event: eventWord(decision.event),
    parsed: decision.event,
    alert: decision.alert,
    reason: decision.reason,
    problems: decision.problems,
    dropReason: decision.action === 'drop' ? decision.dropReason : null,
    fallback: decision.action === 'deliver' ? decision.fallback : false,
    others: decision.others ?? null,
    envelope,
    subject,
    groups: groupsOrigin,
    grouping,
    destinations: destinations.map((d) => (d.kind === 'smtp' ? d : { kind: d.kind, format: d.format, style: d.style })),
  };
}

/** `mailsort explain`'s rows (label, value), which the console shows as a table. */
export function explainRows(explained: Explained, messageLabel: string): Array<[string, string]> {
  const { subject, envelope, decision, groupsOrigin, notes, destinations, grouping } = explained;
  const goesTo = deliveredTo(destinations);
  const webhooks = webhooksOf(explained);
  const rows: Array<[string, string]> = [
    ['message', `${messageLabel}`],
    ['subject', subject || '(none)'],
    ['envelope', `from <${envelope.from}> to ${envelope.to.map((to) => `<${to}>`).join(', ')}`],
    ['manager', decision.manager ?? '(none wants it)'],
    ['event', describeEvent(decision.event)],
    ...describeAlert(decision.alert),
    ['rule', decision.rules.length > 0 ? decision.rules.join('; ') : '(none matched)'],
    ['action', decision.action],
    ['recipients', describeRecipients(decision.action, goesTo)],
  ];
  if (webhooks.length > 0) rows.push(['webhooks', webhooks.join(', ')]);
  if (decision.others) {
    const what = decision.others.action === 'deliver' ? 'delivered unchanged to the default upstream' : 'dropped, counted (other_recipients: drop, as mail2alert did)';
    rows.push(['others', `${decision.others.addresses.join(', ')}: not claimed by the manager; ${what}`]);
  }
  rows.push(['reason', decision.reason]);
  rows.push(...describeGrouping(grouping));
  for (const problem of decision.problems) rows.push(['problem', `${problem.code} in ${problem.rule}: ${problem.message}`]);
  rows.push(['gocd groups', groupsOrigin]);
  for (const note of notes) rows.push(['note', note]);
  return rows;
}
