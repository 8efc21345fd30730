// GET /metrics: the gateway's Prometheus metrics, without a token, beside /graphql or on METRICS_PORT. Request and
// error counts come from each answered request; the migration's gauges are read from compat at scrape time, in one
// call (one SQL statement) for every phase, so a scrape shows the state the GraphQL API would show then.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  collectProcessMetrics,
  dualWriteConsistency,
  errorCodeLabel,
  errorsTotal,
  metricsRegistry,
  migrationBackfillProgress,
  migrationPendingReconciliation,
  migrationReadPercentage,
  operationNameLabel,
  requestDuration,
  type AnsweredRequest,
  type Logger,
  type SubgraphDirectory,
} from '@phasegraph/kit';

/** What compat answers for the migration's gauges. */
interface MigrationGauges {
  migrationGauges: { phase: string; dualWriteConsistency: number; readPercentage: number; backfillProgress: number; pendingReconciliation: number }[];
}

const MIGRATION_GAUGES = 'query MigrationGauges { migrationGauges { phase dualWriteConsistency readPercentage backfillProgress pendingReconciliation } }';

/** Counts an answered GraphQL request: its latency by operation, and each error it answered by code. */
export function countAnsweredRequest(answered: AnsweredRequest): void {
  const { operation } = answered;
  requestDuration.observe(
    { operation_name: operationNameLabel(operation ? operation.name : undefined), operation_type: operation?.type ?? 'unknown' },
    answered.durationSeconds,
  );
  for (const code of answered.errorCodes) errorsTotal.inc({ code: errorCodeLabel(code) });
}

/** The /metrics route: the process defaults, the request metrics, and the migration's gauges read now. */
export function metricsRoute(subgraphs: SubgraphDirectory, logger: Logger) {
  collectProcessMetrics();
  const compat = subgraphs.client('compat');
  return async (_request: http.IncomingMessage, response: http.ServerResponse) => {
    try {
      const { migrationGauges } = await compat.request<MigrationGauges>(MIGRATION_GAUGES, {}, null);
      for (const gauge of [dualWriteConsistency, migrationReadPercentage, migrationBackfillProgress, migrationPendingReconciliation]) gauge.reset();
      for (const { phase, ...values } of migrationGauges) {
        dualWriteConsistency.set({ phase }, values.dualWriteConsistency);
        migrationReadPercentage.set({ phase }, values.readPercentage);
        migrationBackfillProgress.set({ phase }, values.backfillProgress);
        migrationPendingReconciliation.set({ phase }, values.pendingReconciliation);
      }
    } catch (error) {
      // The rest of the scrape still helps (it shows the gateway alive and what failed); stale gauges would mislead,
      // so the migration's are left out until compat answers again, which an alert on their absence can tell.
      for (const gauge of [dualWriteConsistency, migrationReadPercentage, migrationBackfillProgress, migrationPendingReconciliation]) gauge.reset();
      logger.warn('could not read the migration gauges from compat', { error: error instanceof Error ? error.message : String(error) });
    }
    const body = await metricsRegistry.metrics();
    response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(body);
  };
}

/** Serves `route` alone at /metrics on `port` (METRICS_PORT), away from the API's port and whoever may reach it. */
export async function serveMetrics(
  port: number,
  host: string,
  route: ReturnType<typeof metricsRoute>,
  logger: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/metrics') {
      return void response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics are at /metrics.\n');
    }
    route(request, response).catch((error: unknown) => {
      logger.error('metrics scrape failed', { stack: error instanceof Error ? error.stack : String(error) });
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${listening}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
