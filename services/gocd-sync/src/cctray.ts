import type { StageResult } from '@mailsort/core';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * The stage results in GoCD's /cctray.xml: `Project` elements named `pipeline :: stage`
 * (job entries, with three parts, are skipped). lastBuildStatus is Success or Failure;
 * anything else is skipped rather than aborting the rest, unlike mail2alert.
 */
export function parseCctray(xml: string): Array<{ stage: string; result: StageResult }> {
  const results: Array<{ stage: string; result: StageResult }> = [];
  for (const element of xml.matchAll(/<Project\b([^>]*)>/g)) {
    const attributes = new Map<string, string>();
    for (const [, name, value] of element[1]!.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attributes.set(name!, decodeEntities(value!));
    const parts = (attributes.get('name') ?? '').split(' :: ');
    const status = attributes.get('lastBuildStatus');
    if (parts.length !== 2 || !parts[0] || !parts[1]) continue;
    if (status !== 'Success' && status !== 'Failure') continue;
    results.push({ stage: `${parts[0]}/${parts[1]}`.toLowerCase(), result: status === 'Success' ? 'success' : 'failure' });
  }
  return results;
}
