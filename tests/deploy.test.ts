// The monitoring that ships with phasegraph (deploy/, wired into docker-compose.yml) is well-formed and asks only for
// metrics the gateway exports: every metric name in the alerting rules and the dashboard's queries is checked against
// a real scrape of the running gateway. (No Docker engine runs here: the files are parsed, not started.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { stack } from './support/api';
import { repositoryRoot } from './support/stack';

const read = (file: string) => readFileSync(path.join(repositoryRoot, file), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string };
}
const rules = (parse(read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(read('deploy/grafana/phasegraph.json')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { type: string; query: string | { query: string } }[] };
};
const dashboardQueries = [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
  ...dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => (typeof variable.query === 'string' ? variable.query : variable.query.query)),
];

/** PromQL's own words: functions, aggregations, keywords. */
const PROMQL_WORDS = new Set(
  'sum min max avg count stddev stdvar topk bottomk quantile count_values group rate irate increase delta idelta deriv histogram_quantile absent absent_over_time clamp clamp_min clamp_max abs ceil floor round time vector scalar sort sort_desc label_replace label_join avg_over_time max_over_time min_over_time sum_over_time by without on ignoring group_left group_right and or unless bool offset inf nan'.split(
    ' ',
  ),
);
/** Series Prometheus makes itself for every target. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The metric names a PromQL expression (or Grafana's `label_values(metric, label)`) reads. */
function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)/g, '$1')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, '');
  return [...bare.matchAll(/[a-zA-Z_:][\w:]*/g)].map((match) => match[0]).filter((word) => !PROMQL_WORDS.has(word));
}

/** The metric names a scrape of the gateway exports, histograms with their _bucket, _count and _sum series. */
async function exportedNames(): Promise<Set<string>> {
  const text = await (await fetch(new URL('/metrics', stack.gatewayUrl))).text();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('the alerting rules (deploy/prometheus/alerts.yml)', () => {
  it('raise the design guide’s alert: dual-write consistency below 0.99 for 5 minutes, critical', () => {
    expect(rules).toContainEqual(
      expect.objectContaining({ expr: expect.stringMatching(/phasegraph_dual_write_consistency\b.*< 0\.99/), for: '5m', labels: { severity: 'critical' } }),
    );
  });

  it('watch event delivery lag (p99 over 1 s) and the server error rate', () => {
    expect(rules).toContainEqual(
      expect.objectContaining({ expr: expect.stringMatching(/histogram_quantile\(0\.99,.*phasegraph_event_delivery_lag_seconds_bucket.*> 1$/s) }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        expr: expect.stringMatching(
          /phasegraph_graphql_errors_total\{code=~"INTERNAL_SERVER_ERROR\|SERVICE_UNAVAILABLE"\}.*phasegraph_graphql_request_duration_seconds_count/s,
        ),
      }),
    );
  });

  it('each have a name, a duration, a severity and a summary', () => {
    for (const rule of rules) {
      expect(rule).toEqual(
        expect.objectContaining({
          alert: expect.stringMatching(/^[A-Z]\w+$/),
          for: expect.stringMatching(/^\d+[smh]$/),
          labels: { severity: expect.stringMatching(/^(critical|warning)$/) },
          annotations: expect.objectContaining({ summary: expect.any(String) }),
        }),
      );
    }
  });
});

describe('the Grafana dashboard (deploy/grafana/phasegraph.json)', () => {
  it('shows the migration per phase and the API by operation', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    expect(titles).toEqual(expect.arrayContaining(['Dual-write consistency', 'Reads from the new tables', 'Backfill progress']));
    expect(titles).toEqual(expect.arrayContaining(['Requests per second, by operation', 'Errors per second, by code', 'Latency p95, by operation']));
    expect(dashboardQueries.join('\n')).toMatch(/by \(le, operation_name\)/);
  });
});

describe('every metric the rules and the dashboard read', () => {
  it('is one the gateway exports', async () => {
    const used = new Set([...rules.map((rule) => rule.expr), ...dashboardQueries].flatMap(metricNamesIn));
    expect([...used]).toEqual(
      expect.arrayContaining(['phasegraph_dual_write_consistency', 'phasegraph_migration_backfill_progress', 'process_cpu_seconds_total']),
    );
    const exported = await exportedNames();
    expect([...used].filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name))).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; volumes?: string[]; ports?: string[]; depends_on?: Record<string, unknown> }>;
  };

  it('runs Prometheus and Grafana beside the gateway, with the files in deploy/ mounted', () => {
    expect(compose.services.prometheus?.depends_on).toHaveProperty('gateway');
    expect(compose.services.grafana?.depends_on).toHaveProperty('prometheus');
    const mounts = [...(compose.services.prometheus!.volumes ?? []), ...(compose.services.grafana!.volumes ?? [])].filter((volume) => volume.startsWith('./'));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const mount of mounts) expect([mount, existsSync(path.join(repositoryRoot, mount.split(':')[0]!))]).toEqual([mount, true]);
  });

  it('points Prometheus at the gateway’s /metrics and its rules, and Grafana at Prometheus and the dashboard', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(compose.services.prometheus!.volumes).toContain('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    expect(prometheus.scrape_configs).toContainEqual(expect.objectContaining({ metrics_path: '/metrics', static_configs: [{ targets: ['gateway:4000'] }] }));
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { url: string; type: string }[] };
    expect(datasources.datasources).toContainEqual(expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }));
    const providers = parse(read('deploy/grafana/provisioning/dashboards/phasegraph.yml')) as { providers: { options: { path: string } }[] };
    const dashboards = providers.providers[0]!.options.path;
    expect(compose.services.grafana!.volumes).toContain(`./deploy/grafana/phasegraph.json:${dashboards}/phasegraph.json:ro`);
  });
});
