import { headerValues } from '../headers.js';
import type { HeaderField, JenkinsBuild } from '../types.js';

// The Mailer plugin's captions (jenkinsci/mailer-plugin Messages.properties); the subject is
// caption + ' ' + full display name + ' #' + number. Whitespace is already collapsed.
const MAILER: Array<[RegExp, string]> = [
  [/Build failed in Jenkins: (.+) #(\d+)$/, 'FAILURE'],
  [/Jenkins build is back to normal ?: (.+) #(\d+)$/, 'FIXED'],
  [/Jenkins build is back to stable ?: (.+) #(\d+)$/, 'FIXED'],
  [/Jenkins build became unstable: (.+) #(\d+)$/, 'UNSTABLE'],
  [/Jenkins build is still unstable: (.+) #(\d+)$/, 'STILL_UNSTABLE'],
  [/Jenkins build is unstable: (.+) #(\d+)$/, 'UNSTABLE'],
];

// email-ext's default subject: "$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!".
const EMAIL_EXT = /^(.+) - Build # (\d+) - (Failure|Still Failing|Unstable|Still Unstable|Successful|Fixed|Aborted|Not Built|Building|Unknown)!?$/i;

const RESULT_HEADER = /^(SUCCESS|UNSTABLE|FAILURE|NOT_BUILT|ABORTED)$/i;

function statusName(text: string): string {
  const upper = text.toUpperCase().replace(/ /g, '_');
  return upper === 'SUCCESSFUL' ? 'SUCCESS' : upper;
}

/** Jenkins' display names join folders with ' » '; X-Jenkins-Job uses '/'. */
function jobName(displayName: string): string {
  return displayName.split(' » ').join('/');
}

/** Recognises Jenkins Mailer and email-ext mails from the subject and the X-Jenkins-* headers. */
export function parseJenkins(subject: string, headers: readonly HeaderField[]): JenkinsBuild | undefined {
  const headerJob = headerValues(headers, 'x-jenkins-job')[0];
  const headerResult = headerValues(headers, 'x-jenkins-result')[0];
  let job: string | undefined;
  let build: number | undefined;
  let status: string | undefined;
  for (const [pattern, mailerStatus] of MAILER) {
    const match = pattern.exec(subject);
    if (match) {
      [job, build, status] = [jobName(match[1]!), Number(match[2]), mailerStatus];
      break;
    }
  }
  const ext = job === undefined ? EMAIL_EXT.exec(subject) : null;
  if (ext) [job, build, status] = [jobName(ext[1]!), Number(ext[2]), statusName(ext[3]!)];
  if (headerJob) job = headerJob;
  if (status === undefined && headerResult && RESULT_HEADER.test(headerResult)) status = headerResult.toUpperCase();
  if (job === undefined) return undefined;
  return { source: 'jenkins', job, build, status };
}
