export const ALERT_SOURCES = ['gocd', 'jenkins', 'alertmanager', 'cron', 'fail2ban', 'unattended-upgrades', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_STATUSES = ['firing', 'resolved', 'info'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export type AlertField = 'source' | 'key' | 'status' | 'severity' | 'summary' | 'host' | 'labels';

/** Where one field of the event came from: a header, a body line, or a parser default. */
export interface AlertWhy {
  field: AlertField;
  /** `Subject`, `X-Jenkins-Result`, `From`, `body line 3`, `default`… */
  from: string;
  detail: string;
}

/** One normalised alert event per mail (PagerDuty's event model, closed sets). */
export interface AlertEvent {
  source: AlertSource;
  /** `name@version` of the parser that made it, e.g. `gocd@1`. */
  parser: string;
  /** The dedup key: the same alert gives the same key on every mail and every replica. */
  key: string;
  status: AlertStatus;
  severity: AlertSeverity;
  summary: string;
  host?: string;
  labels: Record<string, string>;
  why: AlertWhy[];
}

/** What a parser reads (a slice of the rules' MessageFacts): decoded headers, and the body only when loaded. */
export interface AlertFacts {
  envelope: { from: string; to: readonly string[] };
  subject: string;
  hasSubject: boolean;
  /** Lower-case names, unfolded, decoded, whitespace-collapsed values. */
  headers: ReadonlyArray<{ name: string; value: string }>;
  fromAddresses: readonly string[];
  body: string | undefined;
}

/** A rule's `filter.event`: every key given must match; a list matches any of its values. */
export interface AlertEventFilter {
  status?: AlertStatus | readonly AlertStatus[] | undefined;
  severity?: AlertSeverity | readonly AlertSeverity[] | undefined;
  source?: AlertSource | readonly AlertSource[] | undefined;
  labels?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

/** What a parser finds; the registry adds `source` (the parser's name) and `parser` (`name@version`). */
export type ParsedAlert = Omit<AlertEvent, 'source' | 'parser'>;

export interface AlertParser {
  name: AlertSource;
  version: number;
  /** The parser reads the body (the router loads it for mails this parser recognises). */
  needsBody?: boolean;
  /** The event, or undefined when the mail is not this parser's. */
  parse(facts: AlertFacts): ParsedAlert | undefined;
}
