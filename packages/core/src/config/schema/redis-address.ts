/** Where one Redis (or one Sentinel) is, as the config's strings say it: the one parser for check-config and the connections. */
export interface RedisUrlParts {
  secure: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

const portProblem = (port: number) => (Number.isInteger(port) && port >= 1 && port <= 65_535 ? undefined : `port ${port} is not 1 to 65535`);

/** `host:port` (IPv6 in brackets) of a Sentinel, or what is wrong with it. */
export function hostPortAddress(value: string): { host: string; port: number } | { problem: string } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  if (!match) return { problem: `"${value}" is not host:port` };
  const port = Number(match[2]);
  const problem = portProblem(port);
  return problem ? { problem: `"${value}": ${problem}` } : { host: match[1]!, port };
}

/** A URL with its password hidden, for messages and logs. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
}

/** `redis://` or `rediss://` URL: host (default 127.0.0.1), port (6379), database (0), user, password; or what is wrong with it. */
export function redisUrlParts(text: string): RedisUrlParts | { problem: string } {
  const shown = redactedUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // new URL refuses a port past 65535 too: say so rather than "not a URL".
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/i.exec(text)?.[1];
    return { problem: port !== undefined && portProblem(Number(port)) ? `"${shown}": ${portProblem(Number(port))}` : `"${shown}" is not a URL` };
  }
  const port = url.port ? Number(url.port) : 6379;
  if (portProblem(port)) return { problem: `"${shown}": ${portProblem(port)}` };
  const dbText = url.pathname.length > 1 ? url.pathname.slice(1) : '0';
  const db = Number(dbText);
  if (!/^\d+$/.test(dbText) || !Number.isSafeInteger(db)) return { problem: `"${shown}": "${dbText}" is not a database number` };
  return {
    secure: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}
