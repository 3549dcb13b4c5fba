import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseSubject, outputVerdict, subjectVerdict } from './words.js';

test('normaliseSubject keeps what names the alert and drops what varies', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['numbers, standalone', 'Backup 4711 of 12 volumes: 95% done', 'backup of volumes: done'],
    ['a digit inside a word is a name', 'disk full on db1', 'disk full on db1'],
    ['ISO dates and times', 'report 2024-05-14T03:00:00Z and 2024-05-14 03:00', 'report and'],
    ['numeric dates and clock times', 'run of 14.05.2024 at 03:17:01', 'run of at'],
    ['hex ids and UUIDs', 'job 7f3a9c21e0 container 0f8fad5b-d9cb-469f-a165-70867728950e', 'job container'],
    ['a hex-looking word with no digit stays', 'the deadbeefcafe feed', 'the deadbeefcafe feed'],
    ['verdict words and reply prefixes', 'Re: Fwd: Disk CRITICAL', 'disk'],
    ['punctuation left alone is dropped', '** PROBLEM Service Alert: db1/Disk is CRITICAL **', 'service db1/disk is'],
    ['empty', '', ''],
    ['regression: an IPv4 address names the machine and stays', 'PING 10.0.0.5 is DOWN', 'ping 10.0.0.5 is'],
    ['regression: the port goes, the address stays', 'Disk 95% on 10.20.30.40:9100', 'disk on 10.20.30.40:'],
    [
      'regression: IPv6 and MAC addresses stay (lower case), a clock time still goes',
      'monit: connection failed 2001:DB8::1 at 10:20:30, port aa:bb:cc:dd:ee:01',
      'monit: connection 2001:db8::1 at port aa:bb:cc:dd:ee:01',
    ],
    ['five dotted numbers are no address (a version)', 'version 1.2.3.4.5 released', 'version released'],
    ['regression: a host ordinal after a dash is part of the name', '** PROBLEM Host Alert: web-01 is DOWN **', 'host web-01 is'],
    ['regression: also inside a domain name', 'Disk full on db-2.example.com', 'disk full on db-2.example.com'],
    ['a longer number after a dash is an id and goes', 'backup job-4711 failed, CPU-95%', 'backup job- cpu-'],
    ['regression: every Nagios state is out of the key (host UP, DOWN, UNREACHABLE; service UNKNOWN)', 'web-01 is UP / DOWN / UNREACHABLE, disk UNKNOWN', 'web-01 is disk'],
  ];
  for (const [name, subject, expected] of cases) await t.test(name, () => assert.equal(normaliseSubject(subject), expected));
});

test('a subject: a recovery word wins; an output: a problem word wins', () => {
  assert.deepEqual(subjectVerdict('RESOLVED: disk CRITICAL'), { status: 'resolved', severity: 'info', word: 'RESOLVED' });
  assert.deepEqual(outputVerdict('disk OK\nnet ERROR'), { status: 'firing', severity: 'error', word: 'ERROR' });
  assert.deepEqual(subjectVerdict('Weekly report'), { status: 'info', severity: 'info', word: undefined });
  assert.deepEqual(subjectVerdict('host is DOWN'), { status: 'firing', severity: 'error', word: 'DOWN' });
  assert.deepEqual(subjectVerdict('** PROBLEM Host Alert: web-01 is UNREACHABLE **'), { status: 'firing', severity: 'error', word: 'UNREACHABLE' }, 'Nagios host UNREACHABLE is a problem');
  assert.deepEqual(subjectVerdict('no errors today'), { status: 'info', severity: 'info', word: undefined }, 'whole words only');
});
