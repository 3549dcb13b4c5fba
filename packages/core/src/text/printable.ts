// C0 controls, DEL, C1 controls, and the bidi embeddings/overrides/isolates that can make a
// terminal show text in another order than it is (Trojan Source, CVE-2021-42574).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return SHORT[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * Text from a message (a decoded subject, an address, a reply) made safe to print on a
 * terminal: every control or bidi-override character is written as an escape (`\x1b`, `\u202e`),
 * so no ESC sequence, bell or reordering reaches the screen. Every human-readable CLI output
 * goes through this; JSON output escapes by itself.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}
