import { parseJenkins } from '../rules/subjects/jenkins.js';
import { alertKey } from './key.js';
import type { AlertParser, AlertSeverity, AlertStatus } from './types.js';

const STATUSES: Record<string, { status: AlertStatus; severity: AlertSeverity }> = {
  FAILURE: { status: 'firing', severity: 'error' },
  STILL_FAILING: { status: 'firing', severity: 'error' },
  UNSTABLE: { status: 'firing', severity: 'warning' },
  STILL_UNSTABLE: { status: 'firing', severity: 'warning' },
  SUCCESS: { status: 'resolved', severity: 'info' },
  FIXED: { status: 'resolved', severity: 'info' },
};
const OTHER = { status: 'info' as const, severity: 'info' as const };

/**
 * The Mailer's X-Jenkins-Job is the full name, whose items are URL-encoded: a multibranch
 * branch `feature/login` is the item `feature%2Flogin`, while the subject shows its display name
 * `feature/login`. Decoded, a mail read from the header (a build display name that is not `#12`,
 * a Jenkins with a German locale) gets the key its subject-read mails get.
 */
function decodedJobName(name: string): string {
  return name
    .split('/')
    .map((item) => {
      try {
        return decodeURIComponent(item);
      } catch {
        return item;
      }
    })
    .join('/');
}

/** Jenkins Mailer ("Build failed in Jenkins: job #12") and email-ext ("job - Build # 12 - Failure!"), and X-Jenkins-* headers. */
export const jenkinsParser: AlertParser = {
  name: 'jenkins',
  version: 1,
  parse({ subject, headers }) {
    const build = parseJenkins(subject, headers);
    if (!build) return undefined;
    const said = parseJenkins(subject, []);
    // The subject's full name (folders joined with '/') beats email-ext's X-Jenkins-Job, which
    // is the short display name and the same for team/api and other/api.
    const job = said?.job ?? decodedJobName(build.job);
    const jobFrom = said ? 'Subject' : 'X-Jenkins-Job';
    const { status, severity } = (build.status && STATUSES[build.status]) || OTHER;
    const statusFrom = build.status === undefined ? 'default' : said?.status !== undefined ? 'Subject' : 'X-Jenkins-Result';
    return {
      key: alertKey('jenkins', job.toLowerCase()),
      status,
      severity,
      summary: subject || `Jenkins ${job}${build.build !== undefined ? ` #${build.build}` : ''}: ${build.status ?? 'unknown'}`,
      labels: { job, ...(build.build !== undefined ? { build: String(build.build) } : {}), ...(build.status ? { result: build.status } : {}) },
      why: [
        { field: 'source', from: jobFrom, detail: said ? 'a Jenkins Mailer or email-ext subject' : 'X-Jenkins-Job is set' },
        { field: 'key', from: jobFrom, detail: `job ${job} (build number left out)` },
        { field: 'status', from: statusFrom, detail: build.status ? `${build.status} is ${status}` : 'no result given' },
        { field: 'severity', from: statusFrom, detail: build.status ? `${build.status} is ${severity}` : 'no result given' },
        { field: 'summary', from: subject ? 'Subject' : jobFrom, detail: subject ? 'the subject' : 'made from the job and result' },
        { field: 'labels', from: jobFrom, detail: 'job, build number and result' },
      ],
    };
  },
};
