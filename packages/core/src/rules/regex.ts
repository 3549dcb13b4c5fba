import RE2 from 're2';

const cache = new Map<string, RE2 | Error>();

/**
 * Compiles (and remembers) a rule's regular expression with RE2, whose matching time is linear
 * in the text: a pattern like `^(a+)+$` cannot stall a router on a long subject, as it would
 * with JavaScript's backtracking engine. JavaScript syntax and the `i` flag keep their meaning;
 * what RE2 cannot run (backreferences, lookahead, lookbehind) comes back as an Error.
 * Every regular expression from the configuration is compiled here.
 */
export function compileRegex(source: string, flags: '' | 'i'): RE2 | Error {
  const key = `${flags}/${source}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compile(source, flags);
    cache.set(key, compiled);
  }
  return compiled;
}

function compile(source: string, flags: '' | 'i'): RE2 | Error {
  try {
    return new RE2(source, flags);
  } catch (error) {
    try {
      new RegExp(source, flags);
    } catch (invalid) {
      return invalid as Error;
    }
    return new Error(
      `${(error as Error).message}: mailsort runs rule regular expressions with RE2 (linear time), which has no backreferences, lookahead or lookbehind; rewrite the pattern without them`,
    );
  }
}

/** How many capturing groups a valid regular expression has. */
export function captureGroups(pattern: RE2): number {
  return new RE2(`${pattern.source}|`).exec('')!.length - 1;
}

/** A config-time message for a regex RE2 cannot run, or undefined. */
export function regexProblem(source: string, flags: '' | 'i', needsGroup = false): string | undefined {
  const compiled = compileRegex(source, flags);
  if (compiled instanceof Error) return `invalid regular expression ${JSON.stringify(source)}: ${compiled.message}`;
  if (needsGroup && captureGroups(compiled) < 1) {
    return `the regular expression ${JSON.stringify(source)} needs a group, e.g. (.+)-release.*: its first group is the name looked up in the pipeline group`;
  }
  return undefined;
}
