import { compileRegex } from './regex.js';
import { regexProblem } from './regex.js';
import type { GocdStage, MessageFacts, PipelineGroup, RuleErrorCode } from './types.js';

export type ManagerKind = 'gocd' | 'mail';

export type Outcome = { matched: boolean; note?: string } | { error: RuleErrorCode; message: string };

export interface FunctionInput {
  args: readonly string[];
  facts: MessageFacts;
  /** The (corrected) GoCD stage when the manager is a gocd manager. */
  stage: GocdStage | undefined;
  groups: PipelineGroup[] | null;
}

export interface RuleFunction {
  kinds: readonly ManagerKind[];
  /** Argument count and how to write them, for config errors and docs. */
  args: { min: number; max: number; usage: string };
  /** A config-time problem with the arguments, or undefined. */
  check?: (args: readonly string[]) => string | undefined;
  /** A gocd rule that needs a parsed stage subject. */
  needsStage?: boolean;
  needsBody?: boolean;
  /** Which argument names a GoCD pipeline group (check-config compares it with a snapshot). */
  groupArg?: number;
  test: (input: FunctionInput) => Outcome;
}

const JENKINS_STATUSES = ['FAILURE', 'STILL_FAILING', 'UNSTABLE', 'STILL_UNSTABLE', 'SUCCESS', 'FIXED', 'ABORTED', 'NOT_BUILT', 'BUILDING', 'UNKNOWN'];
const ALERT_STATUSES = ['firing', 'resolved'];
const MANY = Number.POSITIVE_INFINITY;

function lower(text: string): string {
  return text.toLowerCase();
}

/** A native regex: JavaScript syntax, searched anywhere in the text, case-insensitive. */
function search(source: string, texts: readonly string[], flags: '' | 'i' = 'i'): Outcome {
  const pattern = compileRegex(source, flags);
  if (pattern instanceof Error) return { error: 'RULE_INVALID', message: pattern.message };
  return { matched: texts.some((text) => pattern.test(text)) };
}

function findGroup(groups: PipelineGroup[] | null, name: string): PipelineGroup | Outcome {
  if (groups === null) return { error: 'RULE_NO_GROUPS', message: 'no GoCD pipeline-group snapshot yet (is gocd-sync running?)' };
  const group = groups.find((candidate) => lower(candidate.name) === lower(name));
  return group ?? { error: 'RULE_UNKNOWN_GROUP', message: `GoCD has no pipeline group "${name}"` };
}

function inGroup(group: PipelineGroup, pipeline: string): boolean {
  return group.pipelines.some((name) => lower(name) === lower(pipeline));
}

const regexArg =
  (flags: '' | 'i', needsGroup = false) =>
  (args: readonly string[]) =>
    regexProblem(args[0]!, flags, needsGroup);

function oneOf(allowed: readonly string[], what: string) {
  return (args: readonly string[]) => {
    const bad = args.filter((arg) => !allowed.includes(arg.toUpperCase()) && !allowed.includes(arg.toLowerCase()));
    return bad.length > 0 ? `unknown ${what} ${bad.map((b) => JSON.stringify(b)).join(', ')} (known: ${allowed.join(', ')})` : undefined;
  };
}

const allWordsIn = (words: readonly string[], text: string) => {
  const haystack = lower(text);
  return words.every((word) => haystack.includes(lower(word).replace(/\s+/g, ' ').trim()));
};

const notStage: Outcome = { matched: false, note: 'not a GoCD stage mail' };

/** Every rule function, by its `function:` name. */
export const RULE_FUNCTIONS: Record<string, RuleFunction> = {
  // mail2alert: all words are in the subject, case-insensitive substrings ("server" matches "observers").
  'mail.in_subject': {
    kinds: ['mail', 'gocd'],
    args: { min: 0, max: MANY, usage: 'word…' },
    test: ({ args, facts }) => ({ matched: allWordsIn(args, facts.subject) }),
  },
  'mail.subject_matches': {
    kinds: ['mail', 'gocd'],
    args: { min: 1, max: 1, usage: 'regex' },
    check: regexArg('i'),
    test: ({ args, facts }) => search(args[0]!, [facts.subject]),
  },
  'mail.header_matches': {
    kinds: ['mail', 'gocd'],
    args: { min: 2, max: 2, usage: 'header-name, regex' },
    check: (args) => (/^[!-9;-~]+$/.test(args[0]!) ? regexProblem(args[1]!, 'i') : `invalid header name ${JSON.stringify(args[0])}`),
    test: ({ args, facts }) =>
      search(
        args[1]!,
        facts.headers.filter((field) => field.name === lower(args[0]!)).map((field) => field.value),
      ),
  },
  'mail.from_matches': {
    kinds: ['mail', 'gocd'],
    args: { min: 1, max: 1, usage: 'regex' },
    check: regexArg('i'),
    test: ({ args, facts }) => search(args[0]!, [facts.envelope.from, ...facts.fromAddresses]),
  },
  'mail.to_matches': {
    kinds: ['mail', 'gocd'],
    args: { min: 1, max: 1, usage: 'regex' },
    check: regexArg('i'),
    test: ({ args, facts }) => search(args[0]!, [...facts.envelope.to, ...facts.toAddresses]),
  },
  'mail.body_contains': {
    kinds: ['mail', 'gocd'],
    args: { min: 1, max: MANY, usage: 'word…' },
    needsBody: true,
    test: ({ args, facts }) => (facts.body === undefined ? { error: 'RULE_NO_BODY', message: facts.bodyProblem ?? 'the message body could not be read' } : { matched: allWordsIn(args, facts.body) }),
  },
  'mail.any': { kinds: ['mail', 'gocd'], args: { min: 0, max: 0, usage: '' }, test: () => ({ matched: true }) },

  // mail2alert: pipelines.any (and its deprecated alias pipelines.all) matches every message.
  'pipelines.any': { kinds: ['gocd'], args: { min: 0, max: 0, usage: '' }, test: () => ({ matched: true }) },
  'pipelines.all': { kinds: ['gocd'], args: { min: 0, max: 0, usage: '' }, test: () => ({ matched: true }) },
  'pipelines.in_group': {
    kinds: ['gocd'],
    args: { min: 1, max: 1, usage: 'group' },
    needsStage: true,
    groupArg: 0,
    test: ({ args, stage, groups }) => {
      if (!stage) return notStage;
      const group = findGroup(groups, args[0]!);
      return 'pipelines' in group ? { matched: inGroup(group, stage.pipeline) } : group;
    },
  },
  // mail2alert: re.search(pattern, pipeline); its first group must name a pipeline of the group.
  'pipelines.name_like_in_group': {
    kinds: ['gocd'],
    args: { min: 2, max: 2, usage: 'regex-with-a-group, group' },
    needsStage: true,
    groupArg: 1,
    check: regexArg('', true),
    test: ({ args, stage, groups }) => {
      if (!stage) return notStage;
      const pattern = compileRegex(args[0]!, '');
      if (pattern instanceof Error) return { error: 'RULE_INVALID', message: pattern.message };
      const match = pattern.exec(stage.pipeline);
      if (!match) return { matched: false };
      if (match.length < 2) return { error: 'RULE_INVALID', message: `the regular expression ${JSON.stringify(args[0])} has no group` };
      const group = findGroup(groups, args[1]!);
      if (!('pipelines' in group)) return group;
      const like = match[1] ?? '';
      return { matched: inGroup(group, like), note: `${stage.pipeline} is like ${like}` };
    },
  },
  'pipelines.name_matches': {
    kinds: ['gocd'],
    args: { min: 1, max: 1, usage: 'regex' },
    needsStage: true,
    check: regexArg('i'),
    test: ({ args, stage }) => (stage ? search(args[0]!, [stage.pipeline]) : notStage),
  },

  'jenkins.any': { kinds: ['mail'], args: { min: 0, max: 0, usage: '' }, test: ({ facts }) => ({ matched: facts.jenkins !== undefined }) },
  'jenkins.job_like': {
    kinds: ['mail'],
    args: { min: 1, max: 1, usage: 'regex' },
    check: regexArg('i'),
    test: ({ args, facts }) => (facts.jenkins ? search(args[0]!, [facts.jenkins.job]) : { matched: false, note: 'not a Jenkins mail' }),
  },
  'jenkins.result_in': {
    kinds: ['mail'],
    args: { min: 1, max: MANY, usage: 'status…' },
    check: oneOf(JENKINS_STATUSES, 'Jenkins status'),
    test: ({ args, facts }) => ({ matched: facts.jenkins?.status !== undefined && args.some((arg) => arg.toUpperCase() === facts.jenkins!.status) }),
  },

  'alertmanager.any': { kinds: ['mail'], args: { min: 0, max: 0, usage: '' }, test: ({ facts }) => ({ matched: facts.alertmanager !== undefined }) },
  'alertmanager.status_in': {
    kinds: ['mail'],
    args: { min: 1, max: 2, usage: 'firing|resolved…' },
    check: oneOf(ALERT_STATUSES, 'Alertmanager status'),
    test: ({ args, facts }) => ({ matched: facts.alertmanager !== undefined && args.some((arg) => lower(arg) === facts.alertmanager!.status) }),
  },
  'alertmanager.alertname_in': {
    kinds: ['mail'],
    args: { min: 1, max: MANY, usage: 'alertname…' },
    test: ({ args, facts }) => ({ matched: facts.alertmanager !== undefined && args.some((arg) => lower(arg) === lower(facts.alertmanager!.alertname)) }),
  },
};

export function ruleFunction(name: string): RuleFunction | undefined {
  return Object.hasOwn(RULE_FUNCTIONS, name) ? RULE_FUNCTIONS[name] : undefined;
}
