import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mailsort/cli';
import { stringify } from 'yaml';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RulesGroup {
  name: string;
  rules: Array<{ name: string; type: 'alerting' | 'recording'; health: string; lastError?: string; lastEvaluation: string }>;
}

/**
 * A real `prometheus` server on a free port with its own storage, scraping the given targets
 * every second and evaluating the given rule files every second.
 */
export async function startPrometheus(options: { jobs: Record<string, number[]>; ruleFiles: string[] }) {
  const dir = mkdtempSync(join(tmpdir(), 'mailsort-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    scrape_configs: Object.entries(options.jobs).map(([job, ports]) => ({
      job_name: job,
      static_configs: [{ targets: ports.map((p) => `127.0.0.1:${p}`) }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const output: string[] = [];
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${base}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  /** Polls until `check` returns a value (not undefined); Prometheus has no push for this. */
  async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.join('')}`);
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  await until('prometheus to be ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 20_000);

  return {
    base,
    until,
    query: (expr: string) => api<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((data) => data.result),
    rules: () => api<{ groups: RulesGroup[] }>('/api/v1/rules').then((data) => data.groups),
    targets: () => api<{ activeTargets: Array<{ labels: Record<string, string>; health: string }> }>('/api/v1/targets').then((data) => data.activeTargets),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
