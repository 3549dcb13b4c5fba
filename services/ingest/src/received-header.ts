import { safeHeaderValue } from '@mailsort/core';

export interface ReceivedFacts {
  helo: string | undefined;
  clientHostname: string | undefined;
  clientAddress: string;
  byHostname: string;
  id: string;
  /** e.g. "TLSv1.3" with its cipher, when the session is encrypted. */
  tls: { protocol: string; cipher: string } | undefined;
  /** The authenticated user name; never the password. */
  user: string | undefined;
  /** Only named when there is exactly one, as Postfix does, so a Bcc list is not disclosed. */
  recipients: string[];
  date: Date;
}

function rfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The RFC 5321 §4.4 trace field, with the RFC 3848 protocol name (ESMTP, ESMTPS, ESMTPSA). */
export function receivedHeader(facts: ReceivedFacts): string {
  const protocol = `ESMTP${facts.tls ? 'S' : ''}${facts.user ? 'A' : ''}`;
  const address = facts.clientAddress.includes(':') ? `IPv6:${facts.clientAddress}` : facts.clientAddress;
  const clientHost = facts.clientHostname && facts.clientHostname !== `[${facts.clientAddress}]` ? `${safeHeaderValue(facts.clientHostname)} ` : '';
  const lines = [`Received: from ${safeHeaderValue(facts.helo || 'unknown')} (${clientHost}[${address}])`];
  if (facts.tls) lines.push(`\t(using ${safeHeaderValue(facts.tls.protocol)} with cipher ${safeHeaderValue(facts.tls.cipher)})`);
  if (facts.user) lines.push(`\t(authenticated user ${safeHeaderValue(facts.user)})`);
  lines.push(`\tby ${safeHeaderValue(facts.byHostname)} (mailsort) with ${protocol} id ${facts.id}`);
  // An SMTPUTF8 address has no ASCII spelling that is still an address: it is left out.
  const only = facts.recipients.length === 1 && /^[!-~]+$/.test(facts.recipients[0]!) ? `\tfor <${facts.recipients[0]!}>; ` : '\t';
  lines.push(`${only}${rfc5322Date(facts.date)}`);
  return `${lines.join('\r\n')}\r\n`;
}
