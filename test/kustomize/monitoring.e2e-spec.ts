import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../support/api.js';
import { useJournal } from '../support/journal.js';
import { scrape } from '../support/metrics.js';
import { allowedClients } from './checks.js';
import { get, kustomizeCopy, removeScratch, render, scratch, selects, type K8sObject } from './manifests.js';

/**
 * The monitoring component as prod renders it: the PodMonitor finds the API's metrics port, the
 * alerts pass promtool's checks and unit tests (alerts.test.yaml: series that fire and series that
 * must not), and the alerts and the dashboard ask only for metrics that exist.
 */
let objects: K8sObject[];
beforeAll(() => {
  objects = render(join(kustomizeCopy(), 'overlays', 'prod')).objects;
});
afterAll(removeScratch);

const rule = () => get(objects, 'PrometheusRule', 'journal');
const alerts = () => rule().spec.groups.flatMap((group: any) => group.rules);
const dashboard = () => JSON.parse(get(objects, 'ConfigMap', 'journal-dashboard').data['journal.json']);

/** Writes the rules as a Prometheus rule file beside a copy of alerts.test.yaml; returns the folder. */
function ruleFiles(groups: any[]): string {
  const dir = scratch('journal-rules-');
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  copyFileSync(join(import.meta.dirname, 'alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
  return dir;
}

const promtool = (args: string[], cwd: string) => spawnSync('promtool', args, { cwd, encoding: 'utf8' });

/** The rules without annotations: promtool's unit tests would compare their whole text. */
const bare = (groups: any[]) => groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }: any) => r) }));

describe('the PodMonitor', () => {
  it('scrapes the API pods on their named metrics port, which the NetworkPolicy opens to the monitoring namespace only', () => {
    const monitor = get(objects, 'PodMonitor', 'journal-api');
    const deployment = get(objects, 'Deployment', 'frontend');
    expect(selects(monitor.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(deployment.spec.template.spec.containers[0].ports).toContainEqual({ name: 'metrics', containerPort: 9464 });
    const rule = get(objects, 'NetworkPolicy', 'frontend').spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 'metrics'));
    expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(allowedClients(objects, deployment)).toEqual([]);
    // It replaces the annotation-based scrape: with both, every rate would count twice.
    expect(deployment.spec.template.metadata.annotations).toBeUndefined();
  });
});

describe('the alerts', () => {
  const runbooks = readFileSync(join(repoRoot, 'docs', 'monitoring.md'), 'utf8');

  it('cover what an operator of the journal must know, each with a summary, a description and a runbook section', () => {
    expect(alerts().map((a: any) => a.alert)).toEqual([
      'JournalApiErrorRatioHigh',
      'JournalApiLatencyHigh',
      'JournalRedisWriterUnreachable',
      'JournalRedisReplicaDown',
      'JournalRedisReplicaLagging',
      'JournalRedisMemoryNearLimit',
      'JournalWriteRefusalsSurging',
      'JournalApiPodsRestarting',
      'JournalBackupTooOld',
      'JournalArchiveStale',
      'JournalSearchIndexBehind',
    ]);
    for (const alert of alerts()) {
      expect(Object.keys(alert.annotations).sort()).toEqual(['description', 'runbook', 'summary']);
      expect(alert.annotations.runbook).toBe(`docs/monitoring.md#${alert.alert.toLowerCase()}`);
      expect(runbooks).toMatch(new RegExp(`^### ${alert.alert}$`, 'm'));
      expect(['warning', 'critical']).toContain(alert.labels.severity);
    }
  });

  it('pass promtool check rules (expressions and annotation templates)', () => {
    const result = promtool(['check', 'rules', 'rules.yaml'], ruleFiles(rule().spec.groups));
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${alerts().length} rules found`);
    expect(result.status).toBe(0);
  });

  it('fire on the series of alerts.test.yaml that must fire, and on no other (promtool test rules)', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yaml'], ruleFiles(bare(rule().spec.groups)));
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('and the unit tests fail when a rule is wrong: probes counted as client errors, a lower memory threshold', () => {
    const broken = (alert: string, edit: (expr: string) => string) =>
      bare(rule().spec.groups).map((g: any) => ({
        ...g,
        rules: g.rules.map((r: any) => (r.alert === alert ? { ...r, expr: edit(r.expr) } : r)),
      }));
    for (const groups of [
      broken('JournalApiErrorRatioHigh', (expr) => expr.replaceAll('route!~"/healthz.*", ', '')),
      broken('JournalRedisMemoryNearLimit', (expr) => expr.replace('> 0.85', '> 0.4')),
    ]) {
      const result = promtool(['test', 'rules', 'alerts.test.yaml'], ruleFiles(groups));
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/FAILED/);
    }
  });
});

describe('the dashboard', () => {
  it("is a ConfigMap that Grafana's sidecar loads, one per namespace, with request, error, latency and Redis panels", () => {
    const map = get(objects, 'ConfigMap', 'journal-dashboard');
    expect(map.metadata.labels?.grafana_dashboard).toBe('1');
    expect(dashboard().uid).toBe('journal');
    const titles = dashboard().panels.map((p: any) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Request rate by status',
        '5xx ratio',
        'Latency',
        'Redis memory',
        'Replication lag',
        'Redis connections',
        'Age of the last good backup and archive check',
      ]),
    );
    for (const panel of dashboard().panels.filter((p: any) => p.type !== 'row')) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.expr).toContain('namespace="$namespace"');
    }
  });
});

describe('the metrics the alerts and the dashboard ask for', () => {
  /**
   * Series from outside the API: Prometheus' own `up`, and kube-state-metrics (its documented
   * names: kube_pod_container_status_restarts_total, kube_statefulset_replicas, and the CronJob's).
   */
  const fromElsewhere = [
    'up',
    'kube_pod_container_status_restarts_total',
    'kube_statefulset_replicas',
    'kube_cronjob_status_last_successful_time',
    'kube_cronjob_created',
  ];
  const journal = useJournal();
  let exported: Set<string>;

  beforeAll(async () => {
    // Every metric the API can export has a TYPE line, whether a series exists yet or not.
    const types = [...(await scrape(journal.api.metricsUrl)).matchAll(/^# TYPE (\S+) (\w+)$/gm)];
    exported = new Set(
      types.flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])),
    );
  });

  const queries = () => [
    ...alerts().map((a: any) => a.expr as string),
    ...dashboard().panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string)),
    // label_values(metric, label): the metric only.
    (dashboard().templating.list.find((v: any) => v.name === 'namespace').query.query as string).replace(/^label_values\((\w+),.*$/, '$1'),
  ];

  it('are all exported by the API or listed as coming from kube-state-metrics', () => {
    const used = new Set(queries().flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exported.has(name) && !fromElsewhere.includes(name))).toEqual([]);
  });

  it('are found by the name extraction, which a misspelt metric does not pass', () => {
    expect(metricNames('sum by (namespace) (rate(journal_http_requests_total{status=~"5.."}[5m])) > 0.05')).toEqual([
      'journal_http_requests_total',
    ]);
    expect(exported.has('journal_http_requests_total')).toBe(false);
    expect(metricNames('max by (namespace) (a_b) < on (namespace) (max by (namespace) (c{x="y"}) - 1) and d offset 5m')).toEqual([
      'a_b',
      'c',
      'd',
    ]);
  });
});

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const keywords = new Set([
    'and',
    'or',
    'unless',
    'bool',
    'offset',
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'inf',
    'nan',
  ]);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+\w+/g, ' ');
  return [...stripped.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((name) => !keywords.has(name.toLowerCase()) && !/^\d/.test(name))
    .filter((name, i, all) => all.indexOf(name) === i);
}
