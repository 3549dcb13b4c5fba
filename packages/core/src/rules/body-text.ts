import { createRequire } from 'node:module';
import type { MessageFacts } from './types.js';

interface ParsedMail {
  text?: string | undefined;
}
type SimpleParser = (input: Buffer, options: { skipImageLinks: boolean; skipTextLinks: boolean }) => Promise<ParsedMail>;

// mailparser ships no types; it is loaded through require so the one function used is typed here.
// It is loaded on first use: only body rules and explain read a body, and a process that never
// does should not hold its modules (docs/performance.md, "Memory").
let parser: SimpleParser | undefined;
function loadParser(): SimpleParser {
  parser ??= (createRequire(import.meta.url)('mailparser') as { simpleParser: SimpleParser }).simpleParser;
  return parser;
}

export type BodyText = { text: string } | { problem: string };

/**
 * The decoded text of a message (its text/plain part, or the text of its HTML), for body rules.
 * A message the parser refuses (more MIME parts than it allows, broken structure) is not an
 * error of the router: it comes back as a problem, and the rules that need the body then
 * report RULE_NO_BODY under the rule-error policy.
 */
export async function extractTextBody(raw: Buffer): Promise<BodyText> {
  // Loaded outside the try: a parser that cannot load is a broken install, not a problem of this message.
  const simpleParser = loadParser();
  try {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
    return { text: parsed.text ?? '' };
  } catch (error) {
    return { problem: `the message body could not be parsed: ${(error as Error).message}` };
  }
}

/** Reads the body (or why it could not be read) into the facts; null is a message no longer stored. */
export async function addBody(facts: MessageFacts, raw: Buffer | null): Promise<void> {
  const body = raw ? await extractTextBody(raw) : { problem: 'the stored message is gone' };
  if ('text' in body) facts.body = body.text;
  else facts.bodyProblem = body.problem;
}
