const cache = new Map<string, RegExp | Error>();

/** Compiles (and remembers) a rule's regular expression; an invalid one comes back as an Error. */
export function compileRegex(source: string, flags: '' | 'i'): RegExp | Error {
  const key = `${flags}/${source}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source, flags);
    } catch (error) {
      compiled = error as Error;
    }
    cache.set(key, compiled);
  }
  return compiled;
}

/** How many capturing groups a valid regular expression has. */
export function captureGroups(pattern: RegExp): number {
  return new RegExp(`${pattern.source}|`).exec('')!.length - 1;
}

/** A config-time message for an invalid regex, or undefined. */
export function regexProblem(source: string, flags: '' | 'i', needsGroup = false): string | undefined {
  const compiled = compileRegex(source, flags);
  if (compiled instanceof Error) return `invalid regular expression ${JSON.stringify(source)}: ${compiled.message}`;
  if (needsGroup && captureGroups(compiled) < 1) {
    return `the regular expression ${JSON.stringify(source)} needs a group, e.g. (.+)-release.*: its first group is the name looked up in the pipeline group`;
  }
  return undefined;
}
