import type { AlertmanagerNotice } from '../types.js';

// Alertmanager's default "__subject" template: [FIRING:<n>] <group label values> (<other common label values>)
// or [RESOLVED] …; the values start with alertname when it is a group label.
const SUBJECT = /^\s*\[(FIRING):(\d+)\]\s*(.*)$|^\s*\[(RESOLVED)\]\s*(.*)$/i;

export function parseAlertmanagerSubject(subject: string): AlertmanagerNotice | undefined {
  const match = SUBJECT.exec(subject);
  if (!match) return undefined;
  const firing = match[1] !== undefined;
  const rest = (firing ? match[3] : match[5]) ?? '';
  const labels = rest.replace(/[()]/g, ' ').split(/\s+/).filter((word) => word !== '');
  return {
    source: 'alertmanager',
    status: firing ? 'firing' : 'resolved',
    firing: firing ? Number(match[2]) : undefined,
    alertname: labels[0] ?? '',
    labels,
  };
}
