import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfig, loadConfigFile } from '@mailsort/core';
import { parse } from 'yaml';
import { productionNodeEnv } from './support/node-flags.js';
import { DASHBOARD_FILE, deployPath, manifests, type K8sObject, PROMETHEUS_RULE_FILE, prometheusRuleManifest, ROOT, RULE_TESTS_FILE, RULES_FILE } from './support/ops-queries.js';

// No Docker engine or cluster runs here: these prove the deploy/ files with the tools that do
// run (promtool, docker-compose, kubectl kustomize) and with mailsort's own config loader.

function run(command: string, args: string[], cwd = ROOT) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: process.env });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}); bash scripts/test.sh installs it`);
  return result;
}

function assertRan(result: ReturnType<typeof run>, what: string) {
  assert.equal(result.status, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
}

interface Container {
  args: string[];
  env: Array<{ name: string; value?: string }>;
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
  resources: { requests: { cpu?: string; memory?: string } };
  ports: Array<{ name: string; containerPort: number }>;
}

const SERVICES = ['ingest', 'router', 'sender', 'gocd-sync', 'console'] as const;
const composeConfigFile = deployPath('config', 'mailsort.yml');

test('promtool accepts the alert and recording rules', () => {
  const result = run('promtool', ['check', 'rules', RULES_FILE]);
  assertRan(result, 'promtool check rules');
  assert.match(result.stdout, /SUCCESS: \d+ rules found/);
});

test('the promtool unit tests of the alert rules pass', () => {
  assertRan(run('promtool', ['test', 'rules', RULE_TESTS_FILE]), 'promtool test rules');
});

test('every alert is unit tested and has a runbook section in docs/operations.md', () => {
  const alerts = new Set<string>();
  for (const group of (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; annotations?: Record<string, string> }> }> }).groups) {
    for (const rule of group.rules) {
      if (!rule.alert) continue;
      alerts.add(rule.alert);
      assert.equal(rule.annotations?.runbook, `docs/operations.md#${rule.alert.toLowerCase()}`, `${rule.alert} names its runbook`);
    }
  }
  const tests = readFileSync(RULE_TESTS_FILE, 'utf8');
  const docs = readFileSync(`${ROOT}/docs/operations.md`, 'utf8');
  for (const alert of alerts) {
    assert.match(tests, new RegExp(`alertname: ${alert}\\n[\\s\\S]*?exp_alerts:\\n\\s+- exp_labels`), `${alert} has a promtool test in which it fires`);
    assert.match(docs, new RegExp(`^### ${alert}$`, 'm'), `docs/operations.md has a "### ${alert}" runbook section`);
  }
});

test('promtool accepts the compose Prometheus configuration, which scrapes every service on its configured port', () => {
  assertRan(run('promtool', ['check', 'config', deployPath('prometheus', 'prometheus.yml')]), 'promtool check config');
  const prometheus = parse(readFileSync(deployPath('prometheus', 'prometheus.yml'), 'utf8')) as {
    scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  };
  const { config } = loadConfigFile(composeConfigFile, {});
  for (const service of SERVICES) {
    const job = prometheus.scrape_configs.find((scrape) => scrape.job_name === `mailsort-${service}`);
    assert.ok(job?.dns_sd_configs, `mailsort-${service} is discovered through DNS, so every replica is scraped`);
    assert.deepEqual(job.dns_sd_configs[0]!.names, [service]);
    assert.equal(job.dns_sd_configs[0]!.port, config.http.ports[service === 'gocd-sync' ? 'gocd_sync' : service]);
  }
});

test('the compose file validates and runs Redis (AOF, noeviction), the four services, the console, Mailpit, Prometheus and Grafana', () => {
  const result = run('docker-compose', ['-f', 'docker-compose.yml', 'config'], deployPath());
  assertRan(result, 'docker-compose config');
  const compose = parse(result.stdout) as {
    services: Record<
      string,
      {
        command?: string[];
        container_name?: string;
        ports?: unknown[];
        volumes?: Array<{ source: string; target: string; read_only?: boolean } | string>;
        secrets?: unknown[];
        image?: string;
        build?: unknown;
      }
    >;
    secrets: Record<string, { file: string }>;
  };
  assert.deepEqual(Object.keys(compose.services).sort(), ['console', 'gocd-sync', 'grafana', 'ingest', 'mailpit', 'prometheus', 'redis', 'router', 'sender']);
  const redis = compose.services.redis!.command!.join(' ');
  assert.match(redis, /--appendonly yes/);
  assert.match(redis, /--maxmemory-policy noeviction/);
  assert.match(compose.services.mailpit!.image!, /^axllent\/mailpit:/);
  for (const service of SERVICES) {
    const definition = compose.services[service]!;
    assert.deepEqual(definition.command, [service]);
    assert.ok(definition.build, `${service} builds the mailsort image`);
    // docker-compose v1 prints short "src:target:ro" volumes, v2 the long form.
    const mounts = definition.volumes!.map((volume) =>
      typeof volume === 'string' ? { target: volume.split(':')[1], readOnly: volume.endsWith(':ro') } : { target: volume.target, readOnly: volume.read_only === true },
    );
    assert.ok(
      mounts.some((mount) => mount.target === '/etc/mailsort/mailsort.yml' && mount.readOnly),
      `${service} mounts the config read-only`,
    );
  }
  const sender = compose.services.sender!;
  assert.equal(sender.container_name, undefined, 'sender can be scaled: no fixed container name');
  assert.equal(sender.ports, undefined, 'sender can be scaled: no host ports');
  for (const [name, secret] of Object.entries(compose.secrets)) assert.ok(existsSync(secret.file), `secret ${name} file exists`);
});

test('the compose configuration passes mailsort check-config', () => {
  const { config } = loadConfigFile(composeConfigFile, {});
  assert.equal(config.upstreams[0]!.host, 'mailpit');
  assert.equal(config.ingest.listeners[0]!.host, '0.0.0.0', 'ingest listens on every interface of its container');
  assert.equal(config.http.host, '0.0.0.0', 'Prometheus can reach the metrics ports');
});

for (const dir of ['k8s/base', 'k8s']) {
  test(`kubectl kustomize builds deploy/${dir}: a Deployment per service with probes and requests, the ingest Service, PDBs`, () => {
    const result = run('kubectl', ['kustomize', deployPath(...dir.split('/'))]);
    assertRan(result, 'kubectl kustomize');
    const objects = manifests(result.stdout);
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mailsort-config')) as (K8sObject & { data: Record<string, string> }) | undefined;
    assert.ok(configMap, 'the configuration is a ConfigMap');
    const { config } = loadConfig({ text: configMap.data['mailsort.yml']!, file: 'mailsort.yml' }, { REDIS_URL: 'redis://mailsort-redis:6379' });
    assert.ok(find('Secret', 'mailsort-secrets'));
    for (const service of SERVICES) {
      const deployment = find('Deployment', `mailsort-${service}`) as
        | (K8sObject & { spec: { template: { spec: { containers: Container[]; volumes: Array<{ configMap?: { name: string } }> } } } })
        | undefined;
      assert.ok(deployment, `Deployment mailsort-${service}`);
      const container = deployment.spec.template.spec.containers[0]!;
      assert.deepEqual(container.args, [service]);
      assert.equal(container.readinessProbe.httpGet.path, '/readyz');
      assert.equal(container.livenessProbe.httpGet.path, '/healthz');
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory, `${service} has resource requests`);
      for (const [name, value] of Object.entries(productionNodeEnv())) {
        assert.equal(container.env.find((e) => e.name === name)?.value, value, `${service} runs with the image's ${name} (deploy/Dockerfile)`);
      }
      const http = container.ports.find((port) => port.name === 'http');
      assert.equal(http?.containerPort, config.http.ports[service === 'gocd-sync' ? 'gocd_sync' : service], `${service} probes the port its config serves`);
      assert.ok(
        deployment.spec.template.spec.volumes.some((volume) => volume.configMap?.name === configMap.metadata.name),
        `${service} mounts the generated ConfigMap`,
      );
    }
    const ingestService = find('Service', 'mailsort-ingest') as (K8sObject & { spec: { ports: Array<{ targetPort: string }> } }) | undefined;
    assert.equal(ingestService?.spec.ports[0]?.targetPort, 'smtp');
    for (const service of ['ingest', 'router', 'sender']) assert.ok(find('PodDisruptionBudget', `mailsort-${service}`), `PDB for ${service}`);
    assert.ok(
      objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'mailsort'),
      'everything lands in the mailsort namespace',
    );
  });
}

test('KEDA scales the sender Deployment on the deliver queue through Prometheus', () => {
  const objects = manifests(run('kubectl', ['kustomize', deployPath('k8s')]).stdout);
  const scaled = objects.find((o) => o.kind === 'ScaledObject') as
    | (K8sObject & { spec: { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: Record<string, string> }> } })
    | undefined;
  assert.ok(scaled);
  assert.equal(scaled.spec.scaleTargetRef.name, 'mailsort-sender');
  const sender = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'mailsort-sender') as K8sObject & { spec: { replicas?: number } };
  assert.equal(sender.spec.replicas, undefined, 'KEDA, not the manifest, owns the sender replica count');
  const [trigger] = scaled.spec.triggers;
  assert.equal(trigger!.type, 'prometheus');
  // One reading per service, summed over states, then the max across services (never a sum across them).
  assert.match(trigger!.metadata.query!, /^max\(sum by \(service, instance\) \(mailsort_queue_jobs\{[^}]*queue="deliver"/);
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as K8sObject & { data: Record<string, string> };
  const { config } = loadConfig({ text: configMap.data['mailsort.yml']!, file: 'mailsort.yml' }, {});
  assert.equal(Number(trigger!.metadata.threshold), config.delivery.concurrency, 'one sender per delivery.concurrency jobs');
});

test('the PrometheusRule manifest carries exactly the rules in deploy/prometheus/rules', () => {
  const expected = prometheusRuleManifest();
  if (process.env.MAILSORT_WRITE_GENERATED === '1') writeFileSync(PROMETHEUS_RULE_FILE, expected);
  assert.equal(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'), expected, 'regenerate: MAILSORT_WRITE_GENERATED=1 node scripts/run-tests.mjs test/ops-deploy');
});

test('the dashboard has unique panel ids and every query goes to the selectable Prometheus datasource', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    uid: string;
    panels: Array<{ id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string; datasource: { uid: string } }> }>;
  };
  assert.equal(dashboard.uid, 'mailsort-overview');
  const ids = dashboard.panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
    for (const target of panel.targets) assert.equal(target.datasource.uid, '${datasource}', panel.title);
  }
  const provisioning = parse(readFileSync(deployPath('grafana', 'provisioning', 'dashboards', 'mailsort.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
  const compose = readFileSync(deployPath('docker-compose.yml'), 'utf8');
  assert.ok(compose.includes(`./grafana/dashboards:${provisioning.providers[0]!.options.path}:ro`), 'compose mounts the dashboards where the provider looks');
});

test('the image runs node on the built dist as a non-root user, so signals reach the service', () => {
  const dockerfile = readFileSync(deployPath('Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20-bookworm-slim AS build$/m);
  assert.match(dockerfile, /^RUN pnpm build$/m);
  assert.match(dockerfile, /^USER node$/m);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  assert.ok(entrypoint);
  const [command, script] = JSON.parse(entrypoint[1]!) as string[];
  assert.equal(command, 'node');
  assert.equal(script, 'packages/cli/dist/main.js');
  assertRan(run('pnpm', ['exec', 'tsc', '-b', 'packages/cli/tsconfig.json']), 'pnpm build');
  const checked = run('node', [script!, 'check-config', composeConfigFile]);
  assertRan(checked, 'the built CLI');
  assert.match(checked.stdout, /ok \(native format/);
  for (const service of SERVICES) assert.ok(existsSync(`${ROOT}/services/${service}/dist/main.js`), `${service} is built`);
});

test('the Sentinel compose override validates: a master, 2 replicas of it, 3 Sentinels watching it, and every service following the master they name', () => {
  const result = run('docker-compose', ['-f', 'docker-compose.yml', '-f', 'compose.sentinel.yml', 'config'], deployPath());
  assertRan(result, 'docker-compose config with compose.sentinel.yml');
  const compose = parse(result.stdout) as {
    services: Record<string, { command?: string[] | string; volumes?: Array<{ source: string; target: string } | string> }>;
  };
  const command = (name: string) => [compose.services[name]?.command ?? []].flat().join(' ');
  for (const replica of ['redis-replica-1', 'redis-replica-2']) assert.match(command(replica), /--replicaof redis 6379/, `${replica} replicates the master`);
  const { config } = loadConfigFile(deployPath('config', 'mailsort.sentinel.yml'), {});
  assert.equal(config.redis.min_replicas_acked, 1, '250 only once a replica has the message');
  const sentinels = ['sentinel-1', 'sentinel-2', 'sentinel-3'];
  assert.deepEqual(
    config.redis.sentinels,
    sentinels.map((name) => `${name}:26379`),
    'mailsort asks the three Sentinels',
  );
  for (const sentinel of sentinels) {
    assert.match(command(sentinel), new RegExp(`sentinel monitor ${config.redis.master_name} redis 6379 2`), `${sentinel} monitors the master mailsort names, quorum 2`);
    assert.match(command(sentinel), /--sentinel/);
  }
  for (const service of SERVICES) {
    const mounts = compose.services[service]!.volumes!.map((volume) => (typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`));
    assert.ok(
      mounts.some((mount) => mount.includes('mailsort.sentinel.yml:/etc/mailsort/mailsort.yml')),
      `${service} reads the Sentinel configuration`,
    );
  }
});

test('kubectl kustomize builds deploy/k8s/sentinel: 3 Redis pods each with a Sentinel in place of the single Redis, and a config that asks their Service', () => {
  const result = run('kubectl', ['kustomize', deployPath('k8s', 'sentinel')]);
  assertRan(result, 'kubectl kustomize deploy/k8s/sentinel');
  const objects = manifests(result.stdout);
  assert.equal(
    objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mailsort-redis'),
    undefined,
    "the base's single Redis is gone",
  );
  const redis = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mailsort-redis-node') as
    | (K8sObject & { spec: { replicas: number; template: { spec: { containers: Array<{ name: string; command: string[] }> } } } })
    | undefined;
  assert.ok(redis);
  assert.equal(redis.spec.replicas, 3);
  assert.deepEqual(
    redis.spec.template.spec.containers.map((container) => container.name),
    ['redis', 'sentinel'],
  );
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mailsort-config')) as K8sObject & { data: Record<string, string> };
  const { config } = loadConfig({ text: configMap.data['mailsort.yml']!, file: 'mailsort.yml' }, { REDIS_URL: 'redis://mailsort-redis:6379' });
  assert.equal(config.redis.min_replicas_acked, 1);
  const [host, port] = config.redis.sentinels![0]!.split(':');
  const sentinelService = objects.find((o) => o.kind === 'Service' && o.metadata.name === host) as (K8sObject & { spec: { ports: Array<{ port: number }> } }) | undefined;
  assert.ok(sentinelService, `the Sentinel Service ${host} exists`);
  assert.ok(sentinelService.spec.ports.some((p) => p.port === Number(port)));
  const scripts = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mailsort-redis-scripts')) as K8sObject & { data: Record<string, string> };
  assert.match(scripts.data['sentinel-start.sh']!, new RegExp(`sentinel monitor ${config.redis.master_name} `), 'the Sentinels monitor the master mailsort names');
  for (const [name, script] of Object.entries(scripts.data)) {
    const syntax = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${name} is valid sh: ${syntax.stderr}`);
  }
  for (const service of SERVICES) {
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `mailsort-${service}`) as K8sObject & {
      spec: { template: { spec: { volumes: Array<{ configMap?: { name: string } }> } } };
    };
    assert.ok(
      deployment.spec.template.spec.volumes.some((volume) => volume.configMap?.name === configMap.metadata.name),
      `${service} mounts the Sentinel configuration`,
    );
  }
  assert.ok(
    objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'mailsort'),
    'everything lands in the mailsort namespace',
  );
});
