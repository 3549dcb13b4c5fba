import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

/** `accept`, a reply such as `451 4.3.0 try later`, or `drop` (close the connection without a word). */
export type Scripted = 'accept' | 'drop' | `${number} ${string}`;

export interface ScriptedSmtpOptions {
  /**
   * Reply to the end of DATA: one per transaction in order (after the list every one is
   * accepted), or a function of the transaction number (1, 2, …) for replies that change.
   */
  data?: Scripted[] | ((transaction: number) => Scripted);
  /** Reply to RCPT TO for an address; accepted when it returns undefined. */
  rcpt?: (address: string) => Scripted | undefined;
  /** Offer STARTTLS (needs `certificate`). Off by default: a server that offers no STARTTLS. */
  starttls?: boolean;
  /** TLS from the first byte (SMTPS). */
  implicitTls?: boolean;
  certificate?: Certificate;
  /** Require AUTH with these credentials (PLAIN, LOGIN, CRAM-MD5, XOAUTH2 token as the password). */
  auth?: { user: string; pass: string };
  /** Awaited before the reply to the end of DATA: holds the sender mid-attempt while a test acts. */
  hold?: (raw: Buffer) => Promise<unknown> | undefined;
}

export interface Received {
  n: number;
  from: string;
  to: string[];
  raw: Buffer;
  /** The session was encrypted when the message came. */
  secure: boolean;
  user: string | undefined;
}

export interface Certificate {
  key: Buffer;
  cert: Buffer;
  keyFile: string;
  certFile: string;
}

/** A self-signed certificate for `name` (also valid for 127.0.0.1 when name is localhost), made with openssl. */
export function selfSignedCertificate(name = 'localhost'): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const san = name === 'localhost' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1' : `subjectAltName=DNS:${name}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', san], { stdio: 'ignore' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), keyFile, certFile };
}

function replyError(scripted: string): Error & { responseCode: number } {
  const [code, ...rest] = scripted.split(' ');
  return Object.assign(new Error(rest.join(' ')), { responseCode: Number(code) });
}

/**
 * An smtp-server based upstream that answers as scripted: 4xx/5xx per transaction, refused
 * recipients, dropped connections, no STARTTLS, a given (e.g. wrong or self-signed)
 * certificate, required AUTH. It records every message and how many MAIL FROMs it saw.
 */
export async function startScriptedSmtp(options: ScriptedSmtpOptions = {}) {
  const received: Received[] = [];
  let transactions = 0;
  let mailFroms = 0;
  const waiters = new Set<() => void>();
  const server: SMTPServer = new SMTPServer({
    secure: options.implicitTls ?? false,
    ...(options.certificate ? { key: options.certificate.key, cert: options.certificate.cert } : {}),
    disabledCommands: [...(options.starttls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'],
    authOptional: !options.auth,
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      const ok =
        auth.username === options.auth?.user &&
        (auth.method === 'CRAM-MD5' ? auth.validatePassword?.(options.auth!.pass) : auth.method === 'XOAUTH2' ? auth.accessToken === options.auth?.pass : auth.password === options.auth?.pass);
      if (!ok) return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      mailFroms += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const scripted = options.rcpt?.(address.address);
      callback(scripted && scripted !== 'accept' ? replyError(scripted) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        await options.hold?.(Buffer.concat(chunks));
        transactions += 1;
        const scripted = (typeof options.data === 'function' ? options.data(transactions) : options.data?.[transactions - 1]) ?? 'accept';
        if (scripted === 'drop') {
          for (const connection of server.connections as Set<{ session?: { id?: string }; _socket?: { destroy(): void } }>) {
            if (connection.session?.id === session.id) connection._socket?.destroy();
          }
          return;
        }
        if (scripted !== 'accept') return callback(replyError(scripted));
        received.push({
          n: received.length + 1,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        for (const wake of waiters) wake();
        callback(null, `2.0.0 Ok: queued as S${received.length}`);
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    received,
    get transactions() {
      return transactions;
    },
    get mailFroms() {
      return mailFroms;
    },
    /** Resolves once `count` messages were accepted; rejects after `timeoutMs`. */
    waitForMessages(count: number, timeoutMs = 20_000): Promise<Received[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`scripted upstream got ${received.length} of ${count} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    /** Stops listening and cuts any connection a pool still holds open. */
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of server.connections as Set<{ _socket?: { destroy(): void } }>) connection._socket?.destroy();
      }),
  };
}

export type ScriptedSmtp = Awaited<ReturnType<typeof startScriptedSmtp>>;
