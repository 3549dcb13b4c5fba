import type { AlertmanagerNotice } from '../types.js';

// Alertmanager's default "__subject" template: [FIRING:<n>] <group label values> (<other common label values>)
// or [RESOLVED] …; the values start with alertname when it is a group label. A subject set in
// email_configs[].headers often keeps only `[{{ .Status | toUpper }}]`: [FIRING] without a count.
const SUBJECT = /^\s*\[(FIRING)(?::(\d+))?\]\s*(.*)$|^\s*\[(RESOLVED)\]\s*(.*)$/i;

/**
 * The subject's group label values (before the parenthesis) and the other common label values
 * (inside it). Only the group values name the alert group: the common ones change as its alerts
 * fire and resolve.
 */
export function alertmanagerSubjectLabels(subject: string): { group: string[]; common: string[] } | undefined {
  const match = SUBJECT.exec(subject);
  if (!match) return undefined;
  const rest = (match[1] !== undefined ? match[3] : match[5]) ?? '';
  const open = rest.indexOf('(');
  const words = (text: string) =>
    text
      .replace(/[()]/g, ' ')
      .split(/\s+/)
      .filter((word) => word !== '');
  return open < 0 ? { group: words(rest), common: [] } : { group: words(rest.slice(0, open)), common: words(rest.slice(open)) };
}

export function parseAlertmanagerSubject(subject: string): AlertmanagerNotice | undefined {
  const match = SUBJECT.exec(subject);
  if (!match) return undefined;
  const firing = match[1] !== undefined;
  const rest = (firing ? match[3] : match[5]) ?? '';
  const labels = rest
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');
  return {
    source: 'alertmanager',
    status: firing ? 'firing' : 'resolved',
    firing: firing && match[2] !== undefined ? Number(match[2]) : undefined,
    alertname: labels[0] ?? '',
    labels,
  };
}
