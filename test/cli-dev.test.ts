import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { cliCommand, freePort } from '@mailsort/cli';

test('mailsort dev runs the whole system: once it says it is running its SMTP port and console answer, mail sent to it shows up in the dev sink, and Ctrl-C stops it cleanly', async () => {
  const [smtpPort, sinkPort, uiPort, consolePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const { command, args } = cliCommand({ built: true });
  // A private redis-server is started when REDIS_URL does not answer; both paths are the user's.
  const child = spawn(command, [...args, 'dev', '--smtp-port', String(smtpPort), '--sink-port', String(sinkPort), '--ui-port', String(uiPort), '--console-port', String(consolePort)], {
    env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Ctrl-C, as a user stops it: a SIGKILL of dev alone would leave its services (each in its
  // own process group) running, holding the metrics ports the next test needs.
  after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 20_000))]);
    if (!stopped) child.kill('SIGKILL');
  });

  const deadline = Date.now() + 60_000;
  // What a user does: wait for the banner, then use its addresses at once.
  while (!/mailsort is running:/.test(output)) {
    assert.ok(Date.now() < deadline, `dev did not start: ${output}`);
    assert.equal(child.exitCode, null, `dev exited early: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(output, /started a private redis-server/);
  assert.match(output, new RegExp(`console +http://127\\.0\\.0\\.1:${consolePort}/`), 'dev prints the console URL');
  for (const name of ['ingest', 'router', 'sender', 'gocd-sync', 'console']) assert.match(output, new RegExp(`${name}\\s+\\|.*"${name} started"`), `${name} started before the banner`);
  assert.equal((await fetch(`http://127.0.0.1:${consolePort}/login`)).status, 200, 'the console answers as soon as the banner names it');

  const client = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
  const info = await client.sendMail({ from: 'ci@example.com', to: 'team@example.com', subject: 'hello from the dev test', text: 'hi' });
  client.close();
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as M/);

  let listed: Array<{ subject: string; to: string[] }> = [];
  while (listed.length === 0) {
    assert.ok(Date.now() < deadline, 'the message never reached the dev sink');
    listed = (await (await fetch(`http://127.0.0.1:${uiPort}/api/messages`)).json()) as typeof listed;
    if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(listed[0]!.subject, 'hello from the dev test');
  assert.deepEqual(listed[0]!.to, ['team@example.com']);
  const page = await (await fetch(`http://127.0.0.1:${uiPort}/`)).text();
  assert.match(page, /hello from the dev test/);

  child.kill('SIGINT');
  assert.equal(await exited, 0, output);
  for (const name of ['ingest', 'router', 'sender', 'gocd-sync', 'console']) assert.match(output, new RegExp(`${name}\\s+\\|.*"exitCode":0`));
});
