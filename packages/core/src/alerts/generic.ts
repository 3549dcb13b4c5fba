import { alertKey } from './key.js';
import { normaliseSubject, subjectVerdict } from './words.js';
import type { AlertParser } from './types.js';

/** Any other mail: the sender and the normalised subject name the alert, its words the verdict. */
export const genericParser: AlertParser = {
  name: 'generic',
  version: 1,
  parse({ subject, hasSubject, fromAddresses, envelope }) {
    const sender = (fromAddresses[0] ?? envelope.from).toLowerCase();
    const senderFrom = fromAddresses[0] !== undefined ? 'From' : 'envelope sender';
    const normalised = normaliseSubject(subject);
    const verdict = subjectVerdict(subject);
    const verdictFrom = verdict.word === undefined ? 'default' : 'Subject';
    return {
      key: alertKey('generic', sender, normalised),
      status: verdict.status,
      severity: verdict.severity,
      summary: hasSubject ? subject : `(no subject) from ${sender || '<>'}`,
      labels: { sender },
      why: [
        { field: 'source', from: 'default', detail: 'no built-in parser recognised the mail' },
        { field: 'key', from: `${senderFrom} and Subject`, detail: `sender ${sender || '<>'} and subject "${normalised}" (numbers, dates, times, ids and verdict words left out)` },
        { field: 'status', from: verdictFrom, detail: verdict.word === undefined ? 'no verdict word in the subject: info' : `"${verdict.word}" is ${verdict.status}` },
        { field: 'severity', from: verdictFrom, detail: verdict.word === undefined ? 'info' : `"${verdict.word}" is ${verdict.severity}` },
        { field: 'summary', from: hasSubject ? 'Subject' : senderFrom, detail: hasSubject ? 'the subject' : 'the mail has no Subject' },
        { field: 'labels', from: senderFrom, detail: 'the sender' },
      ],
    };
  },
};
