import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type ConfigPath = ReadonlyArray<string | number>;

export function formatPath(path: ConfigPath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

function childOf(node: unknown, key: string | number): { node: Node | undefined; keyNode: Node | undefined } {
  if (isMap(node)) {
    const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === key);
    return { node: (pair?.value ?? undefined) as Node | undefined, keyNode: pair?.key as Node | undefined };
  }
  if (isSeq(node) && typeof key === 'number') return { node: node.items[key] as Node | undefined, keyNode: undefined };
  return { node: undefined, keyNode: undefined };
}

/**
 * The 1-based line and column where `path` is written, or of its nearest written ancestor
 * when the key itself is missing. A key's position is preferred to its value's.
 */
export function locate(doc: Document, lines: LineCounter, path: ConfigPath): { line: number; col: number } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const key of path) {
    const child = childOf(node, key);
    const at = child.keyNode?.range?.[0] ?? child.node?.range?.[0];
    if (at === undefined) break;
    offset = at;
    node = child.node;
  }
  return lines.linePos(offset);
}
