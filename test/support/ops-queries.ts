import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

/** The repository root, for tests that read deploy/. */
export const ROOT = new URL('../..', import.meta.url).pathname;
export const deployPath = (...parts: string[]) => join(ROOT, 'deploy', ...parts);

export const RULES_FILE = deployPath('prometheus', 'rules', 'mailsort.yml');
export const RULE_TESTS_FILE = deployPath('prometheus', 'tests', 'mailsort-rules.test.yml');
export const DASHBOARD_FILE = deployPath('grafana', 'dashboards', 'mailsort.json');
export const SCALED_OBJECT_FILE = deployPath('k8s', 'sender-scaledobject.yaml');
export const PROMETHEUS_RULE_FILE = deployPath('k8s', 'prometheus-rule.yaml');

export interface Query {
  /** Where the expression is used, for failure messages. */
  source: string;
  expr: string;
}

interface RuleGroup {
  name: string;
  rules: Array<{ alert?: string; record?: string; expr: string }>;
}

interface DashboardPanel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: DashboardPanel[];
}

export function ruleGroups(): RuleGroup[] {
  return (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
}

/** Every PromQL expression the dashboard, the alert/recording rules and the KEDA trigger run. */
export function deployQueries(): Query[] {
  const queries: Query[] = [];
  for (const group of ruleGroups()) {
    for (const rule of group.rules) queries.push({ source: `rule ${rule.alert ?? rule.record}`, expr: rule.expr });
  }
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: DashboardPanel[] };
  const visit = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) queries.push({ source: `dashboard panel "${panel.title}"`, expr: target.expr });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  const scaledObject = parse(readFileSync(SCALED_OBJECT_FILE, 'utf8')) as { spec: { triggers: Array<{ type: string; metadata: { query?: string } }> } };
  for (const trigger of scaledObject.spec.triggers) {
    if (trigger.metadata.query) queries.push({ source: 'KEDA ScaledObject mailsort-sender', expr: trigger.metadata.query });
  }
  return queries;
}

/** The mailsort_* metric names an expression reads (recording-rule names use ':' and are skipped). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set([...withoutStrings.matchAll(/(?<![\w:])mailsort_[A-Za-z0-9_]+/g)].map((match) => match[0]))];
}

/** Metric families in a Prometheus text exposition: name → type (from the # TYPE lines). */
export function exposedFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1]!, match[2]!);
  return families;
}

/** Whether a name used in PromQL is exposed: a family itself, or a histogram/summary series. */
export function isExposed(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (!suffix) return false;
  const type = families.get(name.slice(0, -suffix[0].length));
  return type === 'histogram' || (type === 'summary' && suffix[1] !== 'bucket');
}

/** The Prometheus Operator copy of the rule file, for clusters that load rules as CRDs. */
export function prometheusRuleManifest(): string {
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'mailsort', labels: { 'app.kubernetes.io/name': 'mailsort' } },
    spec: { groups: ruleGroups() },
  };
  return `# Generated from deploy/prometheus/rules/mailsort.yml; do not edit. Regenerate with
#   MAILSORT_WRITE_GENERATED=1 node scripts/run-tests.mjs test/ops-deploy
${stringify(manifest, { lineWidth: 0 })}`;
}

export interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** Parses `kubectl kustomize` output into its objects. */
export function manifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject)
    .filter(Boolean);
}
