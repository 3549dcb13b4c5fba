// Test helper (named .test.ts so builds leave it out): runs the fixture tables of the parser tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { headerSection } from '../mail/header-block.js';
import { extractTextBody } from '../rules/body-text.js';
import { buildFacts } from '../rules/facts.js';
import { alertEvent, alertEventNeedsBody } from './registry.js';
import type { AlertEvent, AlertFacts } from './types.js';

/** A testdata .eml as the router sees it: header facts, and the body only when its parser reads it. */
export async function fixtureFacts(name: string): Promise<AlertFacts> {
  const raw = readFileSync(new URL(`./testdata/${name}`, import.meta.url));
  const facts = buildFacts({ from: 'bounce@example.com', to: ['mailsort@example.com'] }, headerSection(raw));
  if (alertEventNeedsBody(facts)) {
    const body = await extractTextBody(raw);
    if ('text' in body) facts.body = body.text;
  }
  return facts;
}

export interface FixtureRow {
  name: string;
  fixture: string;
  expected: AlertEvent;
}

/** One test per row: the fixture's event, every field and every why, exactly. */
export function fixtureTable(title: string, rows: readonly FixtureRow[]): void {
  test(title, async (t) => {
    for (const row of rows) {
      await t.test(row.name, async () => assert.deepEqual(alertEvent(await fixtureFacts(row.fixture)), row.expected));
    }
  });
}
