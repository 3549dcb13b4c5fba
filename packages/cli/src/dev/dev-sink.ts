import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { subjectOf } from '@mailsort/core';

export interface SunkMessage {
  n: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  raw: Buffer;
}

const MAX_KEPT = 1000;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(messages: SunkMessage[]): string {
  const rows = messages
    .slice()
    .reverse()
    .map(
      (m) =>
        `<tr><td>${m.n}</td><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/messages/${m.n}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>mailsort dev sink</title>
<style>body{font:14px system-ui;margin:2em}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}</style>
<h1>mailsort dev sink</h1><p>${messages.length} message(s) delivered by mailsort's sender. <a href="/api/messages">JSON</a></p>
<table><tr><th>#</th><th>received</th><th>envelope from</th><th>envelope to</th><th>subject</th></tr>${rows}</table>`;
}

/**
 * The upstream of `mailsort dev`: an SMTP server that keeps what it receives in memory and a
 * small web page to look at it.
 */
export function createDevSink() {
  const messages: SunkMessage[] = [];
  let counter = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        counter += 1;
        messages.push({
          n: counter,
          receivedAt: new Date().toISOString(),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          subject: subjectOf(raw),
          raw,
        });
        if (messages.length > MAX_KEPT) messages.shift();
        callback(null, `Ok: sunk as ${counter}`);
      });
    },
  });
  const http: Server = createServer((request, response) => {
    const url = request.url ?? '/';
    const one = /^\/messages\/(\d+)$/.exec(url);
    if (url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(messages));
    } else if (url === '/api/messages') {
      const list = messages.map(({ raw, ...rest }) => ({ ...rest, size: raw.length }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    } else if (one) {
      const found = messages.find((m) => m.n === Number(one[1]));
      if (found) response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(found.raw);
      else response.writeHead(404).end('no such message\n');
    } else {
      response.writeHead(404).end('not found\n');
    }
  });

  return {
    messages,
    async listen(smtpPort: number, httpPort: number, host = '127.0.0.1'): Promise<{ smtpPort: number; httpPort: number }> {
      await new Promise<void>((resolve, reject) => {
        smtp.server.once('error', reject);
        smtp.listen(smtpPort, host, () => resolve());
      });
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(httpPort, host, () => resolve());
      });
      return { smtpPort: (smtp.server.address() as AddressInfo).port, httpPort: (http.address() as AddressInfo).port };
    },
    async close(): Promise<void> {
      http.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => smtp.close(() => resolve())), new Promise<void>((resolve) => http.close(() => resolve()))]);
    },
  };
}
