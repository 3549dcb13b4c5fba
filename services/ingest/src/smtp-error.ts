/** An error smtp-server turns into exactly this reply: `<code> <text>`. */
export function smtpError(responseCode: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode });
}
