import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../../test/support/wait.js';

const MASTER_CF = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

function postfix(configDir: string, command: string): void {
  execFileSync('postfix', ['-c', configDir, command], { stdio: 'ignore' });
}

/**
 * A private Postfix: its own config, queue and data directories, listening on 127.0.0.1:smtpPort
 * only, relaying everything to [127.0.0.1]:relayPort, no local delivery, no chroot. Stock
 * performance settings otherwise (Postfix fsyncs each queue file before its 250).
 */
export function createPostfix(dir: string, smtpPort: number, relayPort: number) {
  const etc = join(dir, 'etc');
  const queue = join(dir, 'queue');
  const data = join(dir, 'data');
  for (const d of [etc, queue, data]) mkdirSync(d, { recursive: true });
  chmodSync(dir, 0o755);
  chownSync(data, Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' })));
  writeFileSync(
    join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      'myhostname = postfix.bench',
      'mydomain = bench',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mydestination =',
      'local_transport = error:local delivery is disabled',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      `relayhost = [127.0.0.1]:${relayPort}`,
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks reject',
      'biff = no',
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${join(dir, 'maillog')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'master.cf'), `127.0.0.1:${smtpPort} inet n - n - - smtpd\n${MASTER_CF}`);
  const pidFile = join(queue, 'pid', 'master.pid');
  const masterPid = (): number | undefined => {
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return existsSync(`/proc/${pid}`) ? pid : undefined;
  };
  return {
    smtpPort,
    masterPid,
    async start(): Promise<void> {
      postfix(etc, 'start');
      await waitUntil(() => masterPid() !== undefined, 10_000, 'postfix master');
    },
    async stop(): Promise<void> {
      const pid = masterPid();
      postfix(etc, 'stop');
      if (pid !== undefined) await waitUntil(() => !existsSync(`/proc/${pid}`), 20_000, 'postfix master exit');
    },
    /** Empties the queue directory between runs (Postfix must be stopped). */
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PostfixInstance = ReturnType<typeof createPostfix>;
