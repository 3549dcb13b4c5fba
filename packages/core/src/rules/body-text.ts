import { simpleParser } from 'mailparser';

/** The decoded text of a message (its text/plain part, or the text of its HTML), for body rules. */
export async function extractTextBody(raw: Buffer): Promise<string> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
  return parsed.text ?? '';
}
