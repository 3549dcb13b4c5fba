// Shared by the test/hostile-*.test.ts files: what an attacker's client does that a polite
// one does not (split writes, never reading, flooding), and how much memory ingest used.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';

/** Peak and current resident memory of a process, in KiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/**
 * Starts measuring a process's peak memory from now: resets VmHWM (`clear_refs` 5, Linux
 * 4.0+; we own the process) and returns how far the peak has risen above the current RSS.
 */
export function peakGrowth(pid: number): () => number {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = memoryOf(pid).rssKiB;
  return () => memoryOf(pid).peakKiB - before;
}

/** A raw client socket with Nagle off, so that small writes leave as separate segments. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sent until it closed the connection (or until `timeoutMs`). */
export function readUntilClosed(socket: Socket, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms; got ${JSON.stringify(received.slice(-300))}`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.resume();
  });
}

/**
 * Writes `chunk` over and over, until `limit` bytes are written or the server stops reading
 * (no 'drain' within `stallMs`: its backpressure held). Replies are not read unless
 * `readReplies` (then someone else must be reading them). Resolves with the bytes written.
 */
export async function flood(socket: Socket, chunk: Buffer, limit: number, { stallMs = 1000, readReplies = false } = {}): Promise<{ written: number; stalled: boolean }> {
  if (!readReplies) socket.pause();
  let written = 0;
  while (written < limit) {
    if (socket.destroyed) return { written, stalled: false };
    written += chunk.length;
    if (!socket.write(chunk)) {
      const drained = await new Promise<boolean>((resolve) => {
        const finish = (value: boolean) => {
          clearTimeout(timer);
          socket.off('drain', onDrain);
          socket.off('close', onClose);
          resolve(value);
        };
        const onDrain = () => finish(true);
        const onClose = () => finish(false);
        const timer = setTimeout(() => finish(false), stallMs);
        socket.once('drain', onDrain);
        socket.once('close', onClose);
      });
      if (!drained) return { written, stalled: !socket.destroyed };
    }
  }
  return { written, stalled: false };
}

/** Sends `data` in pieces of `size` bytes with a pause between them, as separate TCP segments. */
export async function sendInPieces(write: (piece: Buffer) => void, data: string | Buffer, size: number, pauseMs = 2): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let at = 0; at < bytes.length; at += size) {
    write(bytes.subarray(at, at + size));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** SMTP reply codes in the order they appear in a stream of replies. */
export function replyCodes(text: string): number[] {
  return [...text.matchAll(/^(\d{3}) /gm)].map((match) => Number(match[1]));
}
