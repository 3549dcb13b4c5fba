import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from './evaluate.js';
import { buildFacts } from './facts.js';
import { compileRegex, regexProblem } from './regex.js';

test('regression: a backtracking rule regex stalled the router — ^(a+)+$ on a 50 000-char subject is decided in well under a second', () => {
  const subject = `${'a'.repeat(50_000)}!`;
  const facts = buildFacts({ from: 'cron@example.com', to: ['ops@example.com'] }, `Subject: ${subject}\r\n\r\n`);
  const managers = [
    {
      name: 'cron',
      kind: 'mail' as const,
      messages_we_want: { to: 'ops@example.com' },
      rules: [{ actions: ['mailto:a@example.com'], filter: { function: 'mail.subject_matches', args: ['^(a+)+$'] } }],
    },
  ];
  const started = performance.now();
  const decision = evaluate(managers, facts, { groups: null });
  const ms = performance.now() - started;
  assert.equal(decision.action, 'drop');
  assert.ok(ms < 1000, `took ${ms.toFixed(1)} ms`);
});

test('rule regexes keep the JavaScript meaning users rely on: case-insensitive flag, group 1, classes', () => {
  const insensitive = compileRegex('^stage \\[\\w+', 'i');
  assert.ok(!(insensitive instanceof Error) && insensitive.test('STAGE [ppp/1'));
  const sensitive = compileRegex('^stage', '');
  assert.ok(!(sensitive instanceof Error) && !sensitive.test('STAGE'));
  const grouped = compileRegex('(.+)-release.*', '');
  assert.ok(!(grouped instanceof Error));
  assert.equal(grouped.exec('ppp-release-1.2')?.[1], 'ppp');
  assert.equal(regexProblem('(?<name>.+)-release', '', true), undefined, 'a named group is group 1');
  assert.match(regexProblem('.+-release', '', true)!, /needs a group/);
});

const REFUSED: Array<[string, string]> = [
  ['a lookbehind', '(?<=build )failed'],
  ['a negative lookbehind', '(?<!not )failed'],
  ['a lookahead', 'fail(?=ed)'],
  ['a backreference', '(a)\\1'],
];

for (const [name, source] of REFUSED) {
  test(`regression: patterns the linear-time engine cannot run are refused at load time, clearly — ${name}`, () => {
    assert.match(regexProblem(source, 'i')!, /^invalid regular expression .*RE2 \(linear time\), which has no backreferences, lookahead or lookbehind/);
  });
}

test("a pattern invalid in JavaScript too keeps JavaScript's message", () => {
  assert.match(regexProblem('(unclosed', 'i')!, /^invalid regular expression "\(unclosed": Invalid regular expression/);
});
