import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: P; strict: true }>>;

/** Thrown when `--help`/`-h` is given: the command prints its usage and exits 0. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
  }
}

/**
 * Every command's arguments, strictly: an unknown option or a missing value throws parseArgs'
 * own error (code ERR_PARSE_ARGS_…), which `runCommand` turns into one line, the usage and exit 2.
 */
export function parseCommand<const O extends Options, const P extends boolean = false>(args: string[], options: O, allowPositionals?: P): Parsed<O, P> {
  if (args.some((arg) => arg === '--help' || arg === '-h') && helpAsked(args, options)) throw new HelpRequested();
  return parseArgs({ args, options, allowPositionals: (allowPositionals ?? false) as P, strict: true });
}

/** `--help` or `-h` as an option, not as the value of another (`--name -h`) or after `--`. */
function helpAsked(args: string[], options: Options): boolean {
  const { tokens } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false, tokens: true });
  return tokens.some((token) => token.kind === 'option' && token.name === 'help');
}

/** A mistake in how the command was called, as opposed to a failure while it ran. */
export function isUsageError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
