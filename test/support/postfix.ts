import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mailsort/cli';
import type { Certificate } from './scripted-smtp.js';

export interface PostfixOptions {
  /** Where this Postfix relays everything it accepts (plain SMTP). */
  relayPort: number;
  certificate: Certificate;
  /** Extra main.cf lines. */
  main?: string[];
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A private Debian Postfix instance (`postfix -c DIR`) on a free loopback port, as an
 * organisation's smarthost: it requires STARTTLS (smtpd_tls_security_level = encrypt) and
 * relays what it accepts to `relayPort`. Needs root, as Postfix's master does.
 */
export async function startPostfixSmarthost({ relayPort, certificate, main = [] }: PostfixOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-postfix-'));
  chmodSync(dir, 0o755);
  const conf = join(dir, 'conf');
  const data = join(dir, 'data');
  mkdirSync(conf);
  mkdirSync(data);
  mkdirSync(join(dir, 'queue'));
  const postfixUid = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  chownSync(data, postfixUid, -1);
  for (const file of [certificate.certFile, certificate.keyFile]) chmodSync(file, 0o644);
  const port = await freePort();
  copyFileSync('/etc/postfix/master.cf', join(conf, 'master.cf'));
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${join(dir, 'queue')}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = smarthost.test',
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      `relayhost = [127.0.0.1]:${relayPort}`,
      'smtp_tls_security_level = none',
      `smtpd_tls_cert_file = ${certificate.certFile}`,
      `smtpd_tls_key_file = ${certificate.keyFile}`,
      'smtpd_tls_security_level = encrypt',
      'smtpd_tls_received_header = yes',
      'smtpd_tls_loglevel = 1',
      `maillog_file = ${join(dir, 'maillog')}`,
      `maillog_file_prefixes = ${tmpdir()}`,
      ...main,
      '',
    ].join('\n'),
  );
  const postconf = (...args: string[]) => execFileSync('postconf', ['-c', conf, ...args], { stdio: 'pipe' });
  postconf('-F', '*/*/chroot = n');
  postconf('-M#', 'smtp/inet');
  postconf('-Me', `127.0.0.1:${port}/inet = 127.0.0.1:${port} inet n - n - - smtpd`);
  execFileSync('postfix', ['-c', conf, 'start'], { stdio: 'pipe' });
  for (let i = 0; i < 100 && !(await accepts(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    port,
    maillog: () => readFileSync(join(dir, 'maillog'), 'utf8'),
    stop: () => {
      execFileSync('postfix', ['-c', conf, 'stop'], { stdio: 'pipe' });
    },
  };
}
