import type { Verdict } from './classify-error.js';

export interface WebhookAttempt {
  reply: string;
  /** Unset when the endpoint answered 2xx. */
  verdict?: Verdict;
}

/**
 * Pure: an HTTP answer → retry or fail, the same policy as SMTP: 5xx, 408 and 429 are
 * temporary; any other 4xx is permanent (the URL or the body is wrong).
 */
export function classifyHttpStatus(status: number): Verdict | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 500 || status === 408 || status === 429) return { action: 'retry', scope: 'message', reason: 'deferred' };
  if (status >= 400) return { action: 'fail', scope: 'message', reason: 'rejected' };
  return { action: 'retry', scope: 'message', reason: 'unexpected_status' };
}

/** POSTs a JSON body with node's fetch; network errors and timeouts are temporary. */
export async function postWebhook(url: string, body: unknown, timeoutMs: number): Promise<WebhookAttempt> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'mailsort' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      reply: timedOut ? `no answer within ${timeoutMs} ms` : `${cause?.code ?? ''} ${cause?.message ?? (error as Error).message}`.trim(),
      verdict: { action: 'retry', scope: 'message', reason: timedOut ? 'timeout' : 'connection' },
    };
  }
  const text = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
  const reply = `HTTP ${response.status}${text ? ` ${text}` : ''}`;
  const verdict = classifyHttpStatus(response.status);
  return verdict ? { reply, verdict } : { reply };
}
