import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (scripts/ensure-tools.sh chromium); playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless Chromium with a fresh profile, ignoring the console's self-signed certificate when it has one. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  const profile = mkdtempSync(join(tmpdir(), 'mailsort-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  return { context, close: () => context.close() };
}
