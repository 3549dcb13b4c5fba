import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

export interface SendResult {
  /** The final reply code: 250, or the refusal's (451, 552…); 0 when no reply came. */
  code: number;
  response: string;
  ms: number;
}

/** One message over one fresh plain connection; a refusal is a result, not a throw. */
export async function sendOnce(port: number, mail: Mail.Options, timeoutMs = 10_000): Promise<SendResult> {
  const client = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  const started = Date.now();
  try {
    const info = await client.sendMail(mail);
    return { code: 250, response: info.response, ms: Date.now() - started };
  } catch (error) {
    const { responseCode, response } = error as { responseCode?: number; response?: string };
    return { code: responseCode ?? 0, response: response ?? String(error), ms: Date.now() - started };
  } finally {
    client.close();
  }
}
