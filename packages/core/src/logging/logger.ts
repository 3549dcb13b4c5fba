import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks in every log line: secrets never reach a log. */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'passwd', '*.passwd', 'pass', '*.pass',
  'token', '*.token', '*.*.token', 'secret', '*.secret', 'authorization', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'auth.pass', '*.auth.pass',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: DestinationStream;
}

/** JSON lines with the service name on each; `LOG_LEVEL` picks the level. */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
