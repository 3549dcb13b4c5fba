import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFacts } from '../rules/facts.js';
import { ALERT_PARSERS, alertEvent, alertEventNeedsBody } from './registry.js';
import type { AlertSource } from './types.js';

/** A small deterministic generator (mulberry32), so a failure names its seed and replays. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    word: () => Array.from({ length: 3 + Math.floor(next() * 6) }, () => 'abcdefghijklmnopqrstuvwxyz-'[Math.floor(next() * 26)]).join(''),
  };
}
type Random = ReturnType<typeof random>;

interface Mail {
  from: string;
  subject: string;
  headers?: string;
  body?: string;
}

// For each source: one alert's firing mail and its resolving mail, with everything that varies
// between them (counters, build numbers, times, ids, the common labels) varied.
const PAIRS: Record<Exclude<AlertSource, 'fail2ban' | 'unattended-upgrades'>, (r: Random) => [Mail, Mail]> = {
  gocd: (r) => {
    const [pipeline, stage] = [r.word(), r.word()];
    return [
      { from: 'go@example.com', subject: `Stage [${pipeline}/${r.int(999)}/${stage}/${r.int(9)}] ${r.pick(['is broken', 'failed'])}` },
      { from: 'go@example.com', subject: `Stage [${pipeline}/${r.int(999)}/${stage}/${r.int(9)}] ${r.pick(['is fixed', 'passed'])}` },
    ];
  },
  jenkins: (r) => {
    const job = r.pick([r.word(), `${r.word()} » ${r.word()}`]);
    return [
      {
        from: 'jenkins@example.com',
        subject: r.pick([`Build failed in Jenkins: ${job} #${r.int(999)}`, `${job} - Build # ${r.int(999)} - Failure!`, `${job} - Build # ${r.int(999)} - Still Failing!`]),
      },
      { from: 'jenkins@example.com', subject: r.pick([`Jenkins build is back to normal : ${job} #${r.int(999)}`, `${job} - Build # ${r.int(999)} - Fixed!`]) },
    ];
  },
  alertmanager: (r) => {
    const group = [r.word(), ...(r.int(2) ? [r.word()] : [])].join(' ');
    return [
      { from: 'am@example.com', subject: `[FIRING:${1 + r.int(9)}] ${group} (${r.word()} ${r.pick(['critical', 'warning'])})` },
      { from: 'am@example.com', subject: `[RESOLVED] ${group}${r.int(2) ? ` (${r.word()})` : ' '}` },
    ];
  },
  cron: (r) => {
    const subject = `Cron <${r.word()}@${r.word()}> /usr/local/bin/${r.word()} --${r.word()}`;
    return [
      { from: 'root@example.com', subject, body: `${r.word()}\n${r.pick(['ERROR', 'failed', 'CRITICAL', 'warning'])}: ${r.word()}\n` },
      { from: 'root@example.com', subject, body: `${r.word()}\n${r.pick(['OK', 'recovered', 'back to normal'])} ${r.int(99)}s\n` },
    ];
  },
  generic: (r) => {
    const what = `${r.word()} ${r.word()}`;
    const id = r.pick([`${r.int(99999)}`, `2024-0${1 + r.int(9)}-1${r.int(9)} 0${r.int(9)}:${10 + r.int(49)}`, 'a3f9c0d17e2b', '0f8fad5b-d9cb-469f-a165-70867728950e']);
    return [
      { from: 'mon-1@example.com', subject: `${what} ${id} ${r.pick(['CRITICAL', 'FAILED', 'ERROR', 'DOWN', 'WARNING'])}` },
      { from: 'mon-1@example.com', subject: `Re: ${what} ${r.pick(['OK', 'RESOLVED', 'recovered', 'back to normal'])} ${r.int(99999)}` },
    ];
  },
};

function eventOf(mail: Mail) {
  return alertEvent(buildFacts({ from: 'bounce@example.com', to: ['x@example.com'] }, `From: ${mail.from}\r\nSubject: ${mail.subject}\r\n${mail.headers ?? ''}\r\n`, mail.body));
}

for (const [source, pair] of Object.entries(PAIRS)) {
  test(`property: a FIRING ${source} mail has the key of its RESOLVED mail`, () => {
    for (let seed = 1; seed <= 300; seed++) {
      const [firing, resolved] = pair(random(seed)).map(eventOf) as [ReturnType<typeof eventOf>, ReturnType<typeof eventOf>];
      const context = `seed ${seed}: ${firing.summary} / ${resolved.summary}`;
      assert.equal(firing.source, source, context);
      assert.equal(resolved.source, source, context);
      assert.equal(firing.status, 'firing', context);
      assert.equal(resolved.status, 'resolved', context);
      assert.equal(firing.key, resolved.key, context);
    }
  });
}

test('property: two different alerts of a source get different keys', () => {
  for (const pair of Object.values(PAIRS)) {
    const keys = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) keys.add(eventOf(pair(random(seed))[0]).key);
    assert.ok(keys.size > 290, `${keys.size} keys for 300 alerts`);
  }
});

test('the key is the same on every replica and every run (no time, no message id)', () => {
  const mail = { from: 'go@example.com', subject: 'Stage [my-pipeline/6/my-stage/1] is broken', headers: `Message-ID: <${Date.now()}@gocd>\r\nDate: ${new Date().toUTCString()}\r\n` };
  assert.equal(eventOf(mail).key, 'gocd-bb62f05f8e7f047b');
});

test('the first parser that recognises a mail decides; the generic fallback is last and takes anything', () => {
  assert.deepEqual(
    ALERT_PARSERS.map((parser) => `${parser.name}@${parser.version}`),
    ['gocd@1', 'jenkins@1', 'alertmanager@1', 'cron@1', 'fail2ban@1', 'unattended-upgrades@1', 'generic@1'],
  );
  for (const parser of ALERT_PARSERS) assert.match(parser.name, /^[a-z0-9-]+$/);
  assert.equal(eventOf({ from: 'x@example.com', subject: 'Stage [p/1/s/1] failed' }).parser, 'gocd@1');
  assert.equal(eventOf({ from: 'x@example.com', subject: '' }).parser, 'generic@1');
});

test('regression: a Re:/Fwd: in front of a subject a built-in parser knows is a person talking, generic info (the alert neither fires nor resolves again)', () => {
  const subjects = [
    'Re: Build failed in Jenkins: team » api #12',
    'AW: Jenkins build is back to normal : team » api #13',
    'Fwd: team » api - Build # 12 - Failure!',
    'RE: Stage [p/1/s/1] is broken',
    'Re[2]: [FIRING:2] InstanceDown (node critical)',
    'Fw: Cron <root@db1> /usr/local/bin/backup-db',
    'WG: [Fail2Ban] sshd: banned 203.0.113.7 from web1.example.com',
    'Re: Re: unattended-upgrades result for db1.example.com: FAILURE',
    'Automatic reply: Build failed in Jenkins: team » api #12',
    'Auto: Stage [p/1/s/1] failed',
  ];
  for (const subject of subjects) {
    const facts = buildFacts({ from: 'alice@example.com', to: ['x@example.com'] }, `From: alice@example.com\r\nSubject: ${subject}\r\n\r\n`);
    const event = alertEvent(facts);
    assert.deepEqual([event.source, event.status, event.severity, event.summary], ['generic', 'info', 'info', subject], subject);
    assert.match(event.why[0]!.detail, /a person's reply or forward/, subject);
    assert.equal(alertEventNeedsBody(facts), false, `${subject}: the body of a reply is not read`);
  }
  // A generic mail's own Re: is still read for its words (a monitor that threads its recoveries).
  assert.equal(eventOf({ from: 'mon@example.com', subject: 'Re: disk full on db1 RESOLVED' }).status, 'resolved');
  // A program that says so (RFC 3834) is not a person, whatever its subject; an out-of-office answer is.
  const machine = eventOf({ from: 'jenkins@example.com', subject: 'Re: Build failed in Jenkins: team » api #12', headers: 'Auto-Submitted: auto-generated\r\n' });
  assert.deepEqual([machine.source, machine.status], ['jenkins', 'firing']);
  const away = eventOf({ from: 'alice@example.com', subject: 'Re: Build failed in Jenkins: team » api #12', headers: 'Auto-Submitted: auto-replied\r\n' });
  assert.deepEqual([away.source, away.status], ['generic', 'info']);
});

test('regression: a generic alert about one address is not the alert about another (the number rules took 10.0.0.5 apart)', () => {
  const [five, six, back] = ['PING 10.0.0.5 is DOWN', 'PING 10.0.0.6 is DOWN', 'PING 10.0.0.5 is OK'].map((subject) => eventOf({ from: 'pinger@mon.example.com', subject }));
  assert.notEqual(five!.key, six!.key);
  assert.equal(five!.key, back!.key);
  assert.deepEqual([five!.status, back!.status], ['firing', 'resolved']);
});

test('regression: Nagios host alerts for web-01 and web-02 are two alerts (the ordinal was dropped as a number); web-01 UP resolves and UNREACHABLE fires its own', () => {
  const [one, two, back, lost] = [
    '** PROBLEM Host Alert: web-01 is DOWN **',
    '** PROBLEM Host Alert: web-02 is DOWN **',
    '** RECOVERY Host Alert: web-01 is UP **',
    '** PROBLEM Host Alert: web-01 is UNREACHABLE **',
  ].map((subject) => eventOf({ from: 'nagios@mon.example.com', subject }));
  assert.notEqual(one!.key, two!.key);
  assert.equal(one!.key, back!.key, 'UP is a state, not part of the name');
  assert.equal(one!.key, lost!.key);
  assert.deepEqual([one!.status, back!.status, lost!.status], ['firing', 'resolved', 'firing']);
});

test('a cron mail needs its body; without it the event says so and is info', () => {
  const facts = buildFacts({ from: 'root@db1', to: ['root@db1'] }, 'Subject: Cron <root@db1> backup\r\n\r\n');
  assert.equal(alertEventNeedsBody(facts), true);
  const event = alertEvent(facts);
  assert.deepEqual([event.status, event.severity], ['info', 'info']);
  assert.deepEqual(
    event.why.find((why) => why.field === 'status'),
    { field: 'status', from: 'default', detail: 'the body was not read: info' },
  );
  assert.equal(alertEventNeedsBody({ ...facts, body: '' }), false, 'loaded already');
  assert.equal(alertEventNeedsBody({ ...facts, bodyProblem: 'the stored message is gone' }), false, 'could not be loaded');
  assert.equal(alertEventNeedsBody(buildFacts({ from: 'go@example.com', to: ['x@example.com'] }, 'Subject: Stage [p/1/s/1] failed\r\n\r\n')), false);
});

test('regression: a parser that throws would have failed the route job — the event says so instead', () => {
  const facts = buildFacts({ from: 'go@example.com', to: ['x@example.com'] }, 'Subject: x\r\n\r\n');
  Object.defineProperty(facts, 'subject', {
    get: () => {
      throw new Error('boom');
    },
  });
  const event = alertEvent(facts);
  assert.deepEqual([event.source, event.status, event.severity, event.summary], ['generic', 'info', 'info', '(unreadable)']);
  assert.equal(event.why[0]!.detail, 'the alert parsers failed: boom');
  assert.equal(alertEventNeedsBody(facts), false, 'asking whether to load the body does not throw either (the router asks it first)');
});

test('regression: Alertmanager mail of a route without group_by names no group, and is one alert per receiver, not one for every such route everywhere', () => {
  const mail = (to: string, subject: string, from = 'alertmanager@cluster-a.example.com') =>
    alertEvent(buildFacts({ from: 'bounce@cluster-a.example.com', to: [to] }, `From: ${from}\r\nSubject: ${subject}\r\n\r\n`, undefined));
  const teamA = mail('team-a@example.com', '[FIRING:3]  (InstanceDown node critical)');
  const teamB = mail('team-b@example.com', '[FIRING:1]  (DiskFull nas warning)');
  const otherCluster = mail('team-a@example.com', '[FIRING:2]  (InstanceDown node critical)', 'alertmanager@cluster-b.example.com');
  const resolved = mail('Team-A@Example.COM', '[RESOLVED]  (InstanceDown node)');
  assert.equal(teamA.source, 'alertmanager');
  assert.notEqual(teamA.key, teamB.key, 'two receivers: two alerts (the key was the empty group for both)');
  assert.notEqual(teamA.key, otherCluster.key, 'two Alertmanagers: two alerts');
  assert.equal(teamA.key, resolved.key, "the receiver's resolve resolves it, however its address is spelled");
  assert.equal(resolved.status, 'resolved');
  const both = (to: string[]) =>
    alertEvent(buildFacts({ from: 'bounce@cluster-a.example.com', to }, 'From: alertmanager@cluster-a.example.com\r\nSubject: [FIRING:1]  (InstanceDown node)\r\n\r\n', undefined)).key;
  assert.equal(
    both(['ops@example.com', 'team-a@example.com']),
    both(['Team-A@example.com', 'OPS@example.com', 'ops@example.com']),
    'the same receivers in another order, spelling and repetition are one alert',
  );
  const grouped = mail('team-b@example.com', '[FIRING:1] InstanceDown (node critical)');
  assert.equal(grouped.key, mail('team-a@example.com', '[FIRING:2] InstanceDown (node critical)', 'other@example.com').key, 'a mail that names its group keeps the key of its group alone');
});
