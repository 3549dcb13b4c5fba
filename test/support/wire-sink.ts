import { createServer, type Server, type Socket } from 'node:net';

export interface WireTransaction {
  /** MAIL FROM and RCPT TO lines exactly as they came over the wire (without CRLF), as latin1. */
  commands: string[];
  /** Recipients (the bytes between < and >) that got 250. */
  accepted: string[];
  data: Buffer;
}

/**
 * A minimal ESMTP server over a raw socket that keeps every MAIL FROM / RCPT TO line byte for
 * byte (smtp-server would already re-spell the address) and counts, per recipient, how many
 * copies were accepted. `rcpt(address, attempt)` may answer a recipient with e.g. `451 4.2.0 …`
 * on its n-th RCPT (attempt counts from 1).
 */
export async function startWireSink({ rcpt }: { rcpt?: (address: string, attempt: number) => string | undefined } = {}) {
  const transactions: WireTransaction[] = [];
  const rcptAttempts = new Map<string, number>();
  const copies = new Map<string, number>();
  const sockets = new Set<Socket>();

  function serve(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let inData = false;
    let current: WireTransaction = { commands: [], accepted: [], data: Buffer.alloc(0) };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') return reply('250-wire.test\r\n250-PIPELINING\r\n250 8BITMIME');
      if (verb === 'HELO' || verb === 'NOOP') return reply('250 ok');
      if (verb === 'RSET') {
        current = { commands: [], accepted: [], data: Buffer.alloc(0) };
        return reply('250 ok');
      }
      if (verb === 'QUIT') {
        reply('221 bye');
        return socket.end();
      }
      if (verb === 'MAIL') {
        current = { commands: [line], accepted: [], data: Buffer.alloc(0) };
        return reply('250 ok');
      }
      if (verb === 'RCPT') {
        current.commands.push(line);
        const address = /<(.*)>/.exec(line)?.[1] ?? '';
        const attempt = (rcptAttempts.get(address) ?? 0) + 1;
        rcptAttempts.set(address, attempt);
        const scripted = rcpt?.(address, attempt);
        if (scripted) return reply(scripted);
        current.accepted.push(address);
        return reply('250 ok');
      }
      if (verb === 'DATA') {
        if (current.accepted.length === 0) return reply('554 no valid recipients');
        inData = true;
        return reply('354 go ahead');
      }
      return reply('502 command not implemented');
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          current.data = buffer.subarray(0, end + 2);
          buffer = buffer.subarray(end + 5);
          inData = false;
          transactions.push(current);
          for (const address of current.accepted) copies.set(address, (copies.get(address) ?? 0) + 1);
          reply('250 2.0.0 queued');
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end === -1) return;
        const line = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 2);
        command(line);
      }
    });
    reply('220 wire.test ESMTP');
  }

  const server: Server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    transactions,
    /** Accepted copies per recipient, keyed by the exact bytes of RCPT TO. */
    copies,
    async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`wire sink: condition not met after ${timeoutMs} ms; copies ${JSON.stringify([...copies])}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
