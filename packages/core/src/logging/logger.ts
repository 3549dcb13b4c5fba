import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks in every log line: secrets never reach a log. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'passwd',
  '*.passwd',
  'pass',
  '*.pass',
  'token',
  '*.token',
  '*.*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'auth.pass',
  '*.auth.pass',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: DestinationStream;
}

/** JSON lines with the service name on each; `LOG_LEVEL` picks the level. */
// Lines are written in batches of this many bytes, or after FLUSH_MS at the latest: a write
// per line costs a syscall per message on each service. The shutdown and crash paths flush.
const BATCH_BYTES = 4096;
const FLUSH_MS = 200;

export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const logger = pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES }),
  );
  if (!destination) setInterval(() => logger.flush(), FLUSH_MS).unref();
  return logger;
}

export type { Logger };
