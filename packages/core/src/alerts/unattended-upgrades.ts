import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

// unattended-upgrades' report: "unattended-upgrades result for <host>: SUCCESS|FAILURE", since
// 1.x with "[reboot required]" and/or "[package on hold]" in front; before that
// "unattended-upgrades result for '<host>': True|False" (older still: 'True', quoted).
// The subject goes through gettext, so a server with a German, French, Dutch or Japanese locale
// sends it translated (po/*.po; the other languages' entries are fuzzy, so English); the result
// word and the host are never translated.
const HOST = `'?([^'\\s:»«]+)'?`;
const RESULT = `'?(SUCCESS|FAILURE|True|False)'?`;
const PHRASES: ReadonlyArray<[language: string, pattern: RegExp]> = [
  ['', new RegExp(`^unattended-upgrades result for ${HOST}\\s*:\\s*${RESULT}$`, 'i')],
  ['de', new RegExp(`^Ergebnis der automatischen Systemaktualisierung für ${HOST}\\s*:\\s*${RESULT}$`, 'i')],
  ['de', new RegExp(`^Unattended-Upgrades-Ergebnis für »?([^'\\s:»«]+)«?\\s*:\\s*${RESULT}$`, 'i')],
  ['fr', new RegExp(`^Résultat (?:d'|de )unattended-upgrades pour ${HOST}\\s*:\\s*${RESULT}$`, 'i')],
  ['nl', new RegExp(`^resultaat van unattended-upgrades voor ${HOST}\\s*:\\s*${RESULT}$`, 'i')],
  ['ja', new RegExp(`^${HOST} の unattended-upgrades の結果\\s*:\\s*${RESULT}$`, 'i')],
];
// The flags in every translated language (French puts them after its first word).
const REBOOT_FLAGS = ['reboot required', 'Neustart erforderlich', 'Redémarrage requis', 'herstart is vereist', '再起動が必要'];
const HOLD_FLAGS = ['package on hold', 'Paket zurückgehalten', 'Paquet bloqué', 'pakket is vastgezet', 'パッケージ保留'];
const FLAG = new RegExp(`\\[(${[...REBOOT_FLAGS, ...HOLD_FLAGS].join('|')})\\]`, 'gi');
const REBOOT = new Set(REBOOT_FLAGS.map((flag) => flag.toLowerCase()));

function read(subject: string): { language: string; host: string; result: string; reboot: boolean; hold: boolean } | undefined {
  // A cheap test first: every form names unattended-upgrades or its German translation.
  if (!/unattended-upgrades|Systemaktualisierung/i.test(subject)) return undefined;
  let reboot = false;
  let hold = false;
  const rest = subject
    .replace(FLAG, (_, flag: string) => {
      if (REBOOT.has(flag.toLowerCase())) reboot = true;
      else hold = true;
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  for (const [language, pattern] of PHRASES) {
    const match = pattern.exec(rest);
    if (match) return { language, host: match[1]!, result: match[2]!, reboot, hold };
  }
  return undefined;
}

/** unattended-upgrades' result mails. */
export const unattendedUpgradesParser: AlertParser = {
  name: 'unattended-upgrades',
  version: 1,
  parse({ subject }) {
    const found = read(subject);
    if (!found) return undefined;
    const { language, host, result, reboot, hold } = found;
    const success = /^(success|true)$/i.test(result);
    // A success that needs a reboot is still something to do.
    const status: AlertStatus = success && !reboot ? 'resolved' : 'firing';
    const severity: AlertSeverity = !success ? 'error' : reboot ? 'warning' : 'info';
    return {
      key: alertKey('unattended-upgrades', host.toLowerCase()),
      status,
      severity,
      summary: subject,
      host,
      labels: { result: success ? 'SUCCESS' : 'FAILURE', ...(reboot ? { reboot_required: 'true' } : {}), ...(hold ? { package_on_hold: 'true' } : {}) },
      why: [
        { field: 'source', from: 'Subject', detail: `unattended-upgrades result for <host>: …${language ? ` (translated: ${language})` : ''}` },
        { field: 'key', from: 'Subject', detail: `host ${host}` },
        { field: 'status', from: 'Subject', detail: success ? (reboot ? `${result} but [reboot required] is firing` : `${result} is resolved`) : `${result} is firing` },
        { field: 'severity', from: 'Subject', detail: success ? (reboot ? '[reboot required] is a warning' : `${result} is info`) : `${result} is an error` },
        { field: 'summary', from: 'Subject', detail: 'the subject' },
        { field: 'host', from: 'Subject', detail: `result for ${host}` },
        { field: 'labels', from: 'Subject', detail: 'result and the [reboot required] / [package on hold] flags' },
      ],
    };
  },
};
