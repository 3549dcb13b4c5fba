import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Another revision of mailsort to A/B against (`--baseline REV`): `git archive REV` unpacked
 * into a temp dir (<tmpdir>/mailsort-baseline-<sha>), installed with the lockfile and built once,
 * then reused. Outside the checkout so that tsc and biome never see it; an archive rather than a
 * worktree, so the repository's worktree list is left alone.
 */
export function prepareBaseline(rev: string): { root: string; sha: string } {
  const repo = resolve(import.meta.dirname, '..', '..');
  const sha = execFileSync('git', ['-C', repo, 'rev-parse', '--verify', `${rev}^{commit}`], { encoding: 'utf8' }).trim();
  const root = join(tmpdir(), `mailsort-baseline-${sha.slice(0, 12)}`);
  const done = join(root, '.bench-built');
  if (existsSync(done)) return { root, sha };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  console.log(`baseline ${rev} (${sha.slice(0, 12)}): unpacking, installing and building in ${root}`);
  execFileSync('bash', ['-c', `git -C "${repo}" archive "${sha}" | tar -x -C "${root}"`], { stdio: 'inherit' });
  execFileSync('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: root, stdio: 'inherit' });
  execFileSync('pnpm', ['-s', 'build'], { cwd: root, stdio: 'inherit' });
  writeFileSync(done, `${sha}\n`);
  return { root, sha };
}
