// C0 controls, DEL, C1 controls, the bidi marks, embeddings, overrides and isolates that can
// make a terminal show text in another order than it is (Trojan Source, CVE-2021-42574), and
// the line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves as it is of the above (it escapes C0 itself).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return SHORT[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * Text from a message (a decoded subject, an address, a reply) made safe to print on a
 * terminal: every control or bidi-override character is written as an escape (`\x1b`, `\u202e`),
 * so no ESC sequence, bell or reordering reaches the screen. Every human-readable CLI output
 * goes through this; JSON output through printableJson.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** JSON.stringify, with what it leaves raw of the characters above written as \uXXXX: the same JSON value, safe on a terminal. */
export function printableJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
