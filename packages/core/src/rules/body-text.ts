import { mailparser, plainText } from '../mail/lazy-modules.js';
import type { MessageFacts } from './types.js';

export type BodyText = { text: string } | { problem: string };

/**
 * The decoded text of a message (its text/plain part, or the text of its HTML), for body rules.
 * A message the parser refuses (more MIME parts than it allows, broken structure) is not an
 * error of the router: it comes back as a problem, and the rules that need the body then
 * report RULE_NO_BODY under the rule-error policy.
 */
export async function extractTextBody(raw: Buffer): Promise<BodyText> {
  // Loaded outside the try: a parser that cannot load is a broken install, not a problem of this message.
  const { simpleParser } = mailparser();
  try {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
    return { text: plainText(parsed) };
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
