// Shared by the test/ingest-*.test.ts files: a TLS certificate, an ingest (plus router and
// sender when wanted) on free ports, and a raw SMTP conversation for byte-exact tests.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import { freePort, writeDevCert } from '@mailsort/cli';
import { storeKeys } from '@mailsort/core';
import { baseConfig, writeConfigFile } from './support/config.js';
import { startServicesReady, type RunningService } from './support/processes.js';
import { deletePrefix, testRedis, uniquePrefix } from './support/redis.js';

export function makeCert(): { certFile: string; keyFile: string } {
  return writeDevCert({ dir: mkdtempSync(join(tmpdir(), 'mailsort-cert-')) });
}

/** Cost 4: the cheapest bcrypt, so tests spend their time on the protocol. */
export function hashOf(password: string): string {
  return bcrypt.hashSync(password, 4);
}

export interface IngestSystemOptions {
  name: string;
  /** The `ingest` section, without listeners (they are made from `listeners`). */
  ingest: Record<string, unknown>;
  listeners: Array<{ name: string; tls?: 'none' | 'starttls' | 'implicit' }>;
  upstreamPort?: number;
  services?: string[];
  /** Reuse a prefix, to run a second replica against the same state. */
  prefix?: string;
  /** Top-level sections merged over the generated config. */
  extra?: Record<string, unknown>;
}

export interface IngestSystem {
  prefix: string;
  ports: Record<string, number>;
  services: RunningService[];
  ingest: RunningService;
  metrics(): Promise<string>;
  stop(): Promise<Array<number | null>>;
}

export async function startIngestSystem({ name, ingest, listeners, upstreamPort = 9, services = ['ingest'], prefix = uniquePrefix(name), extra = {} }: IngestSystemOptions): Promise<IngestSystem> {
  const ports: Record<string, number> = {};
  for (const listener of listeners) ports[listener.name] = await freePort();
  const base = baseConfig({ prefix, smtpPort: 0, upstreamPort });
  const config = {
    ...base,
    ingest: { ...base.ingest, ...ingest, listeners: listeners.map((l) => ({ ...l, host: '127.0.0.1', port: ports[l.name] })) },
    ...extra,
  };
  const configFile = writeConfigFile(config);
  const running = await startServicesReady(services, configFile, { args: ['--http-port', '0'] });
  const ingestService = running.find((s) => s.name === 'ingest')!;
  const started = await ingestService.waitForLog((line) => line.msg === 'ingest started');
  return {
    prefix,
    ports,
    services: running,
    ingest: ingestService,
    async metrics() {
      const response = await fetch(`http://127.0.0.1:${String(started.httpPort)}/metrics`);
      return response.text();
    },
    stop: () => Promise.all(running.map((s) => s.stop('SIGTERM'))),
  };
}

export { metricValue } from './support/metrics.js';

/** Keys of stored messages under a prefix (the message keys only, not their bookkeeping). */
export async function storedMessageKeys(prefix: string): Promise<string[]> {
  const redis = testRedis();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:msg:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found.filter((key) => key === storeKeys(prefix).message(key.slice(key.lastIndexOf(':') + 1))));
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

export async function storedMessage(key: string): Promise<Buffer | null> {
  const redis = testRedis();
  try {
    return await redis.getBuffer(key);
  } finally {
    redis.disconnect();
  }
}

export async function cleanPrefix(prefix: string): Promise<void> {
  const redis = testRedis();
  try {
    await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export interface Reply {
  code: number;
  /** Every line of the reply, joined with \n. */
  text: string;
}

interface Transport {
  write(data: string | Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: () => void): void;
  end(): void;
}

/**
 * A line-level SMTP client that sends exactly the bytes it is given: for the tests where the
 * bytes on the wire are the point (smuggling, pipelining, control characters).
 */
export class Conversation {
  private buffered = '';
  private waiting: Array<() => void> = [];
  closed = false;

  constructor(
    private transport: Transport,
    private socket?: Socket,
  ) {
    this.listen(transport);
  }

  private listen(transport: Transport): void {
    transport.onData((chunk) => {
      if (transport !== this.transport) return;
      this.buffered += chunk.toString('latin1');
      this.wake();
    });
    transport.onClose(() => {
      if (transport !== this.transport) return;
      this.closed = true;
      this.wake();
    });
  }

  /** After a `220` to STARTTLS: the TLS handshake on the same socket, with Node's TLS client. */
  async startTls(): Promise<void> {
    const raw = this.socket;
    if (!raw) throw new Error('startTls needs a plain socket conversation');
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({ socket: raw, rejectUnauthorized: false }, () => resolve(socket));
      socket.once('error', reject);
    });
    this.buffered = '';
    this.transport = socketTransport(secure);
    this.listen(this.transport);
  }

  private wake(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** `localAddress` (e.g. 127.0.0.2) makes the client come from another loopback address than the others. */
  static plain(port: number, localAddress?: string): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(new Conversation(socketTransport(socket), socket)));
      socket.once('error', reject);
    });
  }

  static implicitTls(port: number): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(new Conversation(socketTransport(socket))));
      socket.once('error', reject);
    });
  }

  /**
   * `openssl s_client -starttls smtp`: openssl reads the greeting, says EHLO and STARTTLS,
   * and from then on passes our bytes through the TLS session unchanged.
   */
  static opensslStarttls(port: number): Conversation {
    const child = spawn('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-quiet', '-nocommands'], { stdio: ['pipe', 'pipe', 'ignore'] });
    return new Conversation({
      write: (data) => child.stdin.write(data),
      onData: (listener) => child.stdout.on('data', listener),
      onClose: (listener) => child.on('exit', listener),
      end: () => child.kill('SIGTERM'),
    });
  }

  /** Waits for one complete reply (all its continuation lines). */
  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /^(?:\d{3}-[^\r\n]*\r?\n)*(\d{3})(?: [^\r\n]*)?\r?\n/.exec(this.buffered);
      if (match) {
        this.buffered = this.buffered.slice(match[0].length);
        return { code: Number(match[1]), text: match[0].replace(/\r?\n$/, '').replace(/\r\n/g, '\n') };
      }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buffered)}`);
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; unparsed: ${JSON.stringify(this.buffered)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends raw bytes, no line ending added. */
  send(data: string | Buffer): void {
    this.transport.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async command(line: string): Promise<Reply> {
    this.send(`${line}\r\n`);
    return this.reply();
  }

  /** Resolves once the server has closed the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Everything received and not yet parsed as a reply. */
  get unparsed(): string {
    return this.buffered;
  }

  end(): void {
    this.transport.end();
  }
}

function socketTransport(socket: Socket | TLSSocket): Transport {
  socket.on('error', () => undefined);
  return {
    write: (data) => socket.write(data),
    onData: (listener) => socket.on('data', listener),
    onClose: (listener) => socket.on('close', listener),
    end: () => socket.destroy(),
  };
}

export function plainAuth(username: string, password: string): string {
  return `AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`).toString('base64')}`;
}
