// phasegraph's Prometheus metrics: their names and labels (the contract's, in API.md), in one registry that the gateway
// serves at GET /metrics. Every label takes a bounded set of values, so no client can grow the series without limit.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PUBLIC_CODES } from './errors';

/** Every metric phasegraph exports, and the Node process defaults once `collectProcessMetrics` ran. */
export const metricsRegistry = new Registry();

/** Request and subgraph-call latencies, in seconds: from a cached read to a slow write. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const requestDuration = new Histogram({
  name: 'phasegraph_graphql_request_duration_seconds',
  help: 'GraphQL requests served by the gateway over HTTP, by operation name (bounded, see operationNameLabel) and type.',
  labelNames: ['operation_name', 'operation_type'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const errorsTotal = new Counter({
  name: 'phasegraph_graphql_errors_total',
  help: 'Errors answered to GraphQL requests over HTTP, by extensions.code as the client received it.',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

export const subgraphRequestDuration = new Histogram({
  name: 'phasegraph_subgraph_request_duration_seconds',
  help: 'Calls from this process to a subgraph (in process or over HTTP): query plan fetches and the workflow’s own calls.',
  labelNames: ['subgraph'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const subscriptionsActive = new Gauge({
  name: 'phasegraph_subscriptions_active',
  help: 'Subscriptions open on this gateway.',
  registers: [metricsRegistry],
});

export const eventDeliveryLag = new Histogram({
  name: 'phasegraph_event_delivery_lag_seconds',
  help: 'From a version change (its event, stamped in the transaction that commits it) to its payload written to a subscriber’s socket.',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const dualWriteConsistency = new Gauge({
  name: 'phasegraph_dual_write_consistency',
  help: 'Share of legacy writes mirrored to the new tables while dual write was on, 0..1 (1 when there were none).',
  labelNames: ['phase'] as const,
  registers: [metricsRegistry],
});

export const migrationReadPercentage = new Gauge({
  name: 'phasegraph_migration_read_percentage',
  help: 'Share of (cycle, report) keys whose legacy-shaped reads come from the new tables, 0..100.',
  labelNames: ['phase'] as const,
  registers: [metricsRegistry],
});

export const migrationBackfillProgress = new Gauge({
  name: 'phasegraph_migration_backfill_progress',
  help: 'Legacy records with an active mirror in the new tables, over all legacy records of the phase, 0..1.',
  labelNames: ['phase'] as const,
  registers: [metricsRegistry],
});

export const migrationPendingReconciliation = new Gauge({
  name: 'phasegraph_migration_pending_reconciliation',
  help: 'Failed mirrors of legacy writes not yet replayed by a backfill.',
  labelNames: ['phase'] as const,
  registers: [metricsRegistry],
});

let processMetricsCollected = false;

/** Adds the Node process defaults (CPU, memory, event loop lag, handles, …) to the registry, once per process. */
export function collectProcessMetrics(): void {
  if (processMetricsCollected) return;
  processMetricsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** Distinct operation names given a series of their own; later names share `other`. */
export const MAX_OPERATION_NAMES = 100;
/** The operation names seen so far, in order of first appearance, up to MAX_OPERATION_NAMES. */
const operationNames = new Set<string>();

/**
 * The `operation_name` label of a request whose operation was resolved with `name` (null: anonymous), or undefined
 * when none was (the document did not parse or validate, or the request was refused before): `unknown`. A name
 * is its own label for the first MAX_OPERATION_NAMES names this process sees, `other` after that. Names are chosen by
 * clients: unbounded, they would let any client add series (and memory) to every scrape.
 */
export function operationNameLabel(name: string | null | undefined): string {
  if (name === undefined) return 'unknown';
  if (!name) return 'anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
  operationNames.add(name);
  return name;
}

/** The `code` label of an error: the codes phasegraph answers with, anything else as `OTHER`. */
export function errorCodeLabel(code: unknown): string {
  if (typeof code !== 'string') return 'INTERNAL_SERVER_ERROR';
  return code === 'INTERNAL_SERVER_ERROR' || PUBLIC_CODES.has(code) ? code : 'OTHER';
}
