import { createRequire } from 'node:module';

interface ParsedMail {
  text?: string | undefined;
}
type SimpleParser = (input: Buffer, options: { skipImageLinks: boolean; skipTextLinks: boolean }) => Promise<ParsedMail>;

// mailparser ships no types; it is loaded through require so the one function used is typed here.
const { simpleParser } = createRequire(import.meta.url)('mailparser') as { simpleParser: SimpleParser };

/** The decoded text of a message (its text/plain part, or the text of its HTML), for body rules. */
export async function extractTextBody(raw: Buffer): Promise<string> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
  return parsed.text ?? '';
}
