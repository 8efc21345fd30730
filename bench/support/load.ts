// Driving load for the comparison benchmarks: autocannon over HTTP (a GraphQL request, fixed or made per request)
// and a loop of raw PostgreSQL transactions, both reduced to the same figures, failures counted, never ignored.
import autocannon from 'autocannon';
import type { Pool, PoolClient } from 'pg';

/** What one run measured. */
export interface RunResult {
  /** Completed requests (or transactions) per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Requests that failed: non-2xx, a GraphQL `errors` entry, a connection error or timeout, a failed transaction. */
  failures: number;
  count: number;
}

export interface HttpLoad {
  url: string;
  /**
   * Fixed headers, or made at the start of each run for its (fixed) body: a signed identity covers the body and is
   * valid for a minute. Direct subgraph calls need a fixed body.
   */
  headers: Record<string, string> | ((body: string) => Record<string, string>);
  /** The GraphQL request: one fixed body, or a function making each request's own (e.g. a new record each). */
  body: { query: string; variables?: Record<string, unknown> } | (() => { query: string; variables?: Record<string, unknown> });
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  warmUpSeconds: number;
}

/** One autocannon run after a warm-up run, if any (whose failures count too: a failed request is never acceptable). */
export async function measureHttp(load: HttpLoad, options: LoadOptions): Promise<RunResult> {
  const warmUpFailures = options.warmUpSeconds > 0 ? (await autocannonRun(load, options.connections, options.warmUpSeconds)).failures : 0;
  const run = await autocannonRun(load, options.connections, options.seconds);
  return { ...run, failures: run.failures + warmUpFailures };
}

async function autocannonRun(load: HttpLoad, connections: number, seconds: number): Promise<RunResult> {
  let graphqlErrors = 0;
  // autocannon's own percentiles are whole milliseconds; ours come from each response's exact time.
  const latencies: number[] = [];
  const make = load.body;
  const fixedBody = typeof make === 'function' ? '' : JSON.stringify(make);
  const headers = { 'content-type': 'application/json', ...(typeof load.headers === 'function' ? load.headers(fixedBody) : load.headers) };
  const options: autocannon.Options = {
    url: load.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers,
        ...(typeof make === 'function' ? { setupRequest: (request) => ({ ...request, body: JSON.stringify(make()) }) } : { body: fixedBody }),
        // A GraphQL failure usually comes with HTTP 200: look for the errors key (no parse, to spare the client's CPU).
        onResponse: (status, body) => {
          if (status < 300 && body.includes('"errors":')) graphqlErrors++;
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    // The event passes (client, status, bytes, milliseconds); @types/autocannon leaves out the client.
    instance.on('response', (...args: unknown[]) => latencies.push(args[3] as number));
  });
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures: result.non2xx + result.errors + graphqlErrors,
    count: result.requests.total,
  };
}

/**
 * `work` run back to back by `loops` concurrent loops, each on a client of `pool` (one transaction per call), for
 * `seconds` after `warmUpSeconds`. The raw-SQL counterpart of an autocannon run.
 */
export async function measureTransactions(
  pool: Pool,
  loops: number,
  work: (client: PoolClient) => Promise<void>,
  options: Pick<LoadOptions, 'seconds' | 'warmUpSeconds'>,
): Promise<RunResult> {
  const warmUp = await transactionRun(pool, loops, work, options.warmUpSeconds);
  const run = await transactionRun(pool, loops, work, options.seconds);
  return { ...run, failures: run.failures + warmUp.failures };
}

async function transactionRun(pool: Pool, loops: number, work: (client: PoolClient) => Promise<void>, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) {
        const client = await pool.connect();
        const begun = performance.now();
        try {
          await client.query('BEGIN');
          await work(client);
          await client.query('COMMIT');
          latencies.push(performance.now() - begun);
        } catch (error) {
          failures++;
          if (failures === 1) console.error(`  a raw transaction failed: ${error instanceof Error ? error.message : String(error)}`);
          await client.query('ROLLBACK').catch(() => {});
        } finally {
          client.release();
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failures, count: latencies.length };
}

export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}
