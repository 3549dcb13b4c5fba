// mailparser ships no types; only the part mailsort uses is declared.
declare module 'mailparser' {
  export interface ParsedMail {
    text?: string | undefined;
  }
  export function simpleParser(input: Buffer | string, options?: { skipHtmlToText?: boolean; skipImageLinks?: boolean; skipTextLinks?: boolean }): Promise<ParsedMail>;
}
