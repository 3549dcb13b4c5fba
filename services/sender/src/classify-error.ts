/** What nodemailer tells about a failed send (or one rejected recipient). */
export interface SmtpFailure {
  code?: string | undefined;
  responseCode?: number | undefined;
  command?: string | undefined;
  /** Node's own code when nodemailer wrapped a socket error (e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
  originalCode?: string | undefined;
}

/**
 * `retry` / `fail` says what to do with the delivery. `upstream` scope means the upstream as a
 * whole could not take mail (connection, TLS, AUTH, greeting): the next upstream is tried and
 * the circuit breaker counts it. `message` scope is about this message or envelope.
 */
export interface Verdict {
  action: 'retry' | 'fail';
  scope: 'upstream' | 'message';
  reason: string;
}

// Replies to these commands are about the session, not the message: even a 5xx there says
// "not through this server now" (Postfix defers on them too, e.g. a failed SASL login).
const SESSION_COMMANDS = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b)/i;

const UPSTREAM_CODES: Record<string, string> = {
  ECONNECTION: 'connection',
  ESOCKET: 'connection',
  EDNS: 'dns',
  ETIMEDOUT: 'timeout',
  ETLS: 'tls',
  EREQUIRETLS: 'tls',
  EPROXY: 'connection',
  EAUTH: 'auth',
  ENOAUTH: 'auth',
  EOAUTH2: 'auth',
  EPROTOCOL: 'protocol',
};

// Errors that retrying cannot mend: the envelope or message itself is unusable.
const MESSAGE_FAILURES: Record<string, string> = {
  EENVELOPE: 'invalid_envelope',
  EMESSAGE: 'invalid_message',
  EMAXRECIPIENTS: 'too_many_recipients',
  ECONFIG: 'invalid_config',
};

/**
 * Pure: nodemailer's error → retry or fail. 5xx fails at once, 4xx and every connection,
 * TLS, timeout or AUTH problem is retried; anything unknown is retried (the lifetime bounds it).
 */
// Node's codes for a TLS handshake or certificate failure, which nodemailer reports as ESOCKET.
const TLS_ORIGINAL_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|^EPROTO$/;

export function classifySmtpError({ code, responseCode, command, originalCode }: SmtpFailure): Verdict {
  const session = command !== undefined && SESSION_COMMANDS.test(command);
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 600) {
    if (session || responseCode === 421) {
      return { action: 'retry', scope: 'upstream', reason: /^AUTH/i.test(command ?? '') ? 'auth' : code === 'ETLS' ? 'tls' : 'upstream_unavailable' };
    }
    // 503 is "bad sequence of commands": the session, not the message, was wrong.
    if (responseCode >= 500 && responseCode !== 503) return { action: 'fail', scope: 'message', reason: 'rejected' };
    return { action: 'retry', scope: 'message', reason: 'deferred' };
  }
  if (originalCode !== undefined && TLS_ORIGINAL_CODE.test(originalCode)) return { action: 'retry', scope: 'upstream', reason: 'tls' };
  if (code !== undefined && UPSTREAM_CODES[code]) return { action: 'retry', scope: 'upstream', reason: UPSTREAM_CODES[code] };
  if (code !== undefined && MESSAGE_FAILURES[code]) return { action: 'fail', scope: 'message', reason: MESSAGE_FAILURES[code] };
  return { action: 'retry', scope: 'message', reason: 'unknown' };
}

/** The one line an operator reads: the server's reply when there was one, else the error. */
export function replyOf(error: unknown): string {
  const { response, message, code } = (error ?? {}) as { response?: unknown; message?: unknown; code?: unknown };
  if (typeof response === 'string' && response) return response.trim();
  return [typeof code === 'string' ? code : '', typeof message === 'string' ? message : String(error)].filter(Boolean).join(' ');
}
