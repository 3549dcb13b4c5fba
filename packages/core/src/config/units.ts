import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A duration as seconds (number) or a string like `500ms`, `30s`, `5m`, `24h`, `7d`; parsed to milliseconds. */
export const duration = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return Math.round(value * 1000);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 30s, 5m, 24h, 7d or a number of seconds)` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]!.toLowerCase()]!);
});

/** A rate such as `20 per 10m`: at most `count` in each window of `perMs`. */
export const rate = z.string().transform((value, ctx) => {
  const match = /^\s*(\d+)\s*(?:per|\/)\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(value);
  const count = match ? Number(match[1]) : 0;
  const perMs = match ? Math.round(Number(match[2]) * DURATION_UNITS_MS[match[3]!.toLowerCase()]!) : 0;
  if (!match || count < 1 || perMs < 1000) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a rate (use e.g. 20 per 10m: at least 1, per at least 1s)` });
    return z.NEVER;
  }
  return { count, perMs };
});

/** A size as bytes (number) or a string like `512KiB`, `25MiB`, `10MB`. */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)\s*$/i.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. 512KiB, 25MiB or a number of bytes)` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
});

/** A TCP port; a string of digits is accepted too, as `${SMTP_PORT}` interpolates to one. */
export const port = z.preprocess((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value), z.number().int().min(0).max(65535));

/** `host:port` as mail2alert writes it; the port defaults to 25 like its host_port(). */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 25 };
  const parts = value.split(':');
  if (parts.length > 2) return { host: value, port: 25 };
  const [host, portText] = parts as [string, string | undefined];
  if (!host) return undefined;
  if (portText === undefined) return { host, port: 25 };
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) return undefined;
  return { host, port: Number(portText) };
}
