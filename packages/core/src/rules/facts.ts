import type { Envelope } from '../queues/payloads.js';
import { addressesIn, headerValues, parseHeaderSection } from './headers.js';
import { parseAlertmanagerSubject } from './subjects/alertmanager.js';
import { parseGocdSubject } from './subjects/gocd.js';
import { parseJenkins } from './subjects/jenkins.js';
import type { MessageFacts } from './types.js';

/**
 * The facts of one message: its envelope, decoded headers, and what it is recognised as
 * (GoCD stage, Jenkins build, Alertmanager notification). A missing Subject is an empty one.
 */
export function buildFacts(envelope: Envelope, headerSection: string, body?: string): MessageFacts {
  const headers = parseHeaderSection(headerSection);
  const subjects = headerValues(headers, 'subject');
  const subject = subjects[0] ?? '';
  return {
    envelope,
    subject,
    hasSubject: subjects.length > 0,
    headers,
    fromAddresses: headerValues(headers, 'from').flatMap(addressesIn),
    toAddresses: [...headerValues(headers, 'to'), ...headerValues(headers, 'cc')].flatMap(addressesIn),
    gocd: parseGocdSubject(subject),
    jenkins: parseJenkins(subject, headers),
    alertmanager: parseAlertmanagerSubject(subject),
    body,
  };
}
