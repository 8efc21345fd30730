// GET /metrics on the shared stack (tracing off): the contract's names and labels in Prometheus text format, without a
// token, moving as the API is used; and W3C trace context answered on every request even with no span recorded.
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, createVersion, errorCode, gql, newRecord, newUser, ok, stack } from './support/api';
import { FROM_THE_START, subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
const reviewer = newUser('TESTER');
const admin = newUser('ADMIN');

/** Every sample of a scrape: `name{labels} value`, by series. */
async function scrape(): Promise<{ text: string; value(series: string): number | undefined }> {
  const response = await fetch(new URL('/metrics', stack.gatewayUrl));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return { text, value: (series) => samples.get(series) };
}

describe('GET /metrics', () => {
  it('exports every metric of the contract, and the process defaults, to anyone', async () => {
    const { text } = await scrape();
    for (const [name, type] of [
      ['phasegraph_graphql_request_duration_seconds', 'histogram'],
      ['phasegraph_graphql_errors_total', 'counter'],
      ['phasegraph_subgraph_request_duration_seconds', 'histogram'],
      ['phasegraph_subscriptions_active', 'gauge'],
      ['phasegraph_event_delivery_lag_seconds', 'histogram'],
      ['phasegraph_dual_write_consistency', 'gauge'],
      ['phasegraph_migration_read_percentage', 'gauge'],
      ['phasegraph_migration_backfill_progress', 'gauge'],
      ['phasegraph_migration_pending_reconciliation', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
  });

  it('times requests by operation name and type, and counts their errors by code', async () => {
    const name = `Probe_${randomUUID().replaceAll('-', '')}`;
    await ok(`query ${name} { phases { name } }`, {}, null);
    await ok(`query ${name} { phases { name } }`, {}, null);
    const before = (await scrape()).value('phasegraph_graphql_errors_total{code="BAD_USER_INPUT"}') ?? 0;
    expect(errorCode(await gql('query { version(phase: PLANNING, id: "not-a-uuid") { id } }', {}, tester))).toBe('BAD_USER_INPUT');
    const metrics = await scrape();
    expect(metrics.value(`phasegraph_graphql_request_duration_seconds_count{operation_name="${name}",operation_type="query"}`)).toBe(2);
    expect(metrics.value(`phasegraph_graphql_request_duration_seconds_bucket{le="+Inf",operation_name="${name}",operation_type="query"}`)).toBe(2);
    expect(metrics.value('phasegraph_graphql_request_duration_seconds_count{operation_name="anonymous",operation_type="query"}')).toBeGreaterThan(0);
    expect(metrics.value('phasegraph_graphql_errors_total{code="BAD_USER_INPUT"}')).toBeGreaterThan(before);
  });

  it('times the queries and mutations sent over the WebSocket too', async () => {
    const name = `SocketProbe_${randomUUID().replaceAll('-', '')}`;
    const refused = `SocketRefused_${randomUUID().replaceAll('-', '')}`;
    for (const [query, code] of [
      [`query ${name} { phases { name } }`, undefined],
      [`query ${refused} { version(phase: PLANNING, id: "not-a-uuid") { id } }`, 'BAD_USER_INPUT'],
    ] as const) {
      const socket = subscribe(tester, query);
      try {
        const [payload] = await socket.until(1);
        expect(payload?.errors?.[0]?.extensions?.code).toBe(code);
      } finally {
        await socket.close();
      }
    }
    // Counted before the answer is sent: once it has arrived, the scrape shows it.
    const metrics = await scrape();
    expect(metrics.value(`phasegraph_graphql_request_duration_seconds_count{operation_name="${name}",operation_type="query"}`)).toBe(1);
    expect(metrics.value(`phasegraph_graphql_request_duration_seconds_count{operation_name="${refused}",operation_type="query"}`)).toBe(1);
  });

  it('times the calls of each subgraph', async () => {
    const before = (await scrape()).value('phasegraph_subgraph_request_duration_seconds_count{subgraph="planning"}') ?? 0;
    await createVersion('PLANNING', newRecord(), tester);
    const after = (await scrape()).value('phasegraph_subgraph_request_duration_seconds_count{subgraph="planning"}');
    expect(after).toBeGreaterThan(before);
  });

  it('counts open subscriptions and times each live event from its commit to the socket', async () => {
    const record = newRecord();
    const watcher = subscribe(tester, 'subscription ($reportId: ID, $after: String) { versionEvents(reportId: $reportId, after: $after) { type } }', {
      reportId: record.reportId,
      after: FROM_THE_START,
    });
    try {
      // The first event, received, says the subscription is open; the next one reaches it live (the log read as it commits).
      const version = await createVersion('PLANNING', record, tester);
      await watcher.until(1);
      const before = await scrape();
      expect(before.value('phasegraph_subscriptions_active')).toBeGreaterThanOrEqual(1);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
      await watcher.until(2);
      const after = await scrape();
      expect(after.value('phasegraph_event_delivery_lag_seconds_count')).toBeGreaterThan(before.value('phasegraph_event_delivery_lag_seconds_count')!);
    } finally {
      await watcher.close();
    }
  });

  it('reads each migrated phase’s state when scraped, as migrationStatus shows it', async () => {
    const { migrationStatus } = await ok<{ migrationStatus: { phase: string; backfillProgress: number; pendingReconciliation: number }[] }>(
      '{ migrationStatus { phase backfillProgress pendingReconciliation } }',
      {},
      admin,
    );
    const metrics = await scrape();
    for (const { phase } of migrationStatus) {
      const consistency = metrics.value(`phasegraph_dual_write_consistency{phase="${phase}"}`);
      expect(consistency).toBeGreaterThanOrEqual(0);
      expect(consistency).toBeLessThanOrEqual(1);
      expect(metrics.value(`phasegraph_migration_read_percentage{phase="${phase}"}`)).toEqual(expect.any(Number));
      expect(metrics.value(`phasegraph_migration_backfill_progress{phase="${phase}"}`)).toEqual(expect.any(Number));
      expect(metrics.value(`phasegraph_migration_pending_reconciliation{phase="${phase}"}`)).toEqual(expect.any(Number));
    }
    expect(migrationStatus.map(({ phase }) => phase).sort()).toEqual(['PLANNING', 'SAMPLE_SELECTION']);
  });

  it('is not part of the GraphQL API: compat’s gauges query is not reachable through the gateway', async () => {
    expect(errorCode(await gql('{ migrationGauges { phase } }', {}, admin))).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('W3C trace context with tracing off', () => {
  it('continues a caller’s trace id and answers with a span id of its own', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: '{ phases { name } }' }),
    });
    await response.body?.cancel();
    expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`));
  });

  it('answers a request that sent none with a new trace, and ignores a malformed traceparent', async () => {
    for (const traceparent of [undefined, 'not-a-traceparent', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`]) {
      const response = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
        body: JSON.stringify({ query: '{ phases { name } }' }),
      });
      await response.body?.cancel();
      const answered = response.headers.get('traceparent') ?? '';
      expect(answered).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(answered).not.toContain('0'.repeat(32));
    }
  });
});
