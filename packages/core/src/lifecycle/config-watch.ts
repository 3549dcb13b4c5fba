import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange` once per burst of changes to any of `files`. The directories are watched,
 * not the files: editors and ACME clients replace a file by renaming a new one over it, and
 * Kubernetes swaps a mounted ConfigMap or Secret through a `..data` symlink, so a watch on
 * the old inode would go quiet. (node's fs.watch does this; a watcher library adds nothing.)
 */
export function watchFiles(files: readonly string[], debounceMs: number, onChange: () => void): { close(): void } {
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const path = resolve(file);
    const names = byDir.get(dirname(path)) ?? new Set<string>();
    names.add(basename(path));
    byDir.set(dirname(path), names);
  }
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers: FSWatcher[] = [...byDir].map(([dir, names]) =>
    watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || names.has(String(name)) || String(name).startsWith('..')) changed();
    }),
  );
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
