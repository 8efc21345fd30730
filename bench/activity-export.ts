// `npm run bench -- activity-export [counts] [heap MiB]`: the CSV export of a report's activity, and what it costs the
// gateway's memory. Starts the one-process stack on a fresh PostgreSQL database (DATABASE_URL), seeds reports of N
// events each (default 100,000 and 1,000,000) with SQL, then downloads each export, read at full speed and by a slow
// reader, while sampling the gateway process's resident memory. Streaming holds one batch whatever N: the growth should
// not follow N, where a buffered export would hold the whole file (its size is printed beside). With a heap size, the
// gateway runs with that V8 old-generation limit (--max-old-space-size), smaller than the largest file: an export that
// held the file could not finish. Prints a table for RESULTS.md.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { startTestStack } from '../tests/support/stack';

const counts = (process.argv[3] ?? '100000,1000000').split(',').map(Number);
const heapLimitMiB = process.argv[4] ? Number(process.argv[4]) : undefined;
if (!process.env.DATABASE_URL) throw new Error('npm run bench -- activity-export needs DATABASE_URL (a PostgreSQL server)');
// The stack's processes inherit the environment: the limit applies to the gateway (and the stack's other children).
if (heapLimitMiB) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapLimitMiB}`.trim();

const stack = await startTestStack();
process.env.PHASEGRAPH_TEST_STACK = JSON.stringify(stack.info);
const { newRecord, newUser, ok } = await import('../tests/support/api');
const reader = newUser('TESTER');

/** The gateway process's resident memory, in MiB. */
function gatewayRssMiB(): number {
  const status = readFileSync(`/proc/${stack.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Seeds `count` decision reviews (one a millisecond) on a new report, by `actorId`; returns the report. */
async function seed(count: number, actorId: string) {
  const record = newRecord();
  const db = new Client({ connectionString: stack.info.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO events.activity_events (type, phase, cycle_id, report_id, version_id, version_number, item_id, actor_id, at, details)
       SELECT 'DECISION_REVIEWED', 'PLANNING', $1, $2, gen_random_uuid(), 1 + n / 1000, gen_random_uuid(), $3,
              timestamptz '2026-01-01T00:00:00Z' + n * interval '1 millisecond',
              jsonb_build_object('decisionId', gen_random_uuid(), 'status', 'APPROVED', 'notes', 'benchmark row ' || n)
       FROM generate_series(1, $4::int) AS n`,
      [record.cycleId, record.reportId, actorId, count],
    );
    // What autovacuum would do soon after such a load: without statistics the planner takes the report for a few rows
    // and sorts all of them for each batch (3 s a batch at 1,000,000) instead of walking the index from the cursor.
    await db.query('ANALYZE events.activity_events');
  } finally {
    await db.end();
  }
  return record;
}

/** Downloads the export of `record`, sampling the gateway's memory; `pauseEveryChunk` makes a slow reader. */
async function download(record: { cycleId: string; reportId: string }, pauseEveryChunkMs: number) {
  const url = new URL('/export/activity.csv', stack.info.gatewayUrl);
  url.searchParams.set('cycleId', record.cycleId);
  url.searchParams.set('reportId', record.reportId);
  const before = gatewayRssMiB();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, gatewayRssMiB())), 20);
  const started = performance.now();
  let bytes = 0;
  let lines = 0;
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${reader.token}` } });
    if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
    for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 0x0a) lines++;
      if (pauseEveryChunkMs) await delay(pauseEveryChunkMs);
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: lines - 1, bytes, seconds, before, peak };
}

try {
  await ok('{ me { id } }', {}, reader); // the actor has a name to look up
  // Warm up: plans, pools and the code paths of an export.
  await download(await seed(5_000, reader.id), 0);
  const results: string[] = [];
  for (const count of counts) {
    const record = await seed(count, reader.id);
    for (const [label, pause] of [
      ['full speed', 0],
      ['slow reader (2 ms a chunk)', 2],
    ] as const) {
      if (pause && count > 100_000) continue; // the slow reader's point is made on the smaller report
      const run = await download(record, pause);
      if (run.rows !== count) throw new Error(`expected ${count} rows, got ${run.rows}`);
      results.push(
        `| ${count.toLocaleString('en-US')} | ${label} | ${(run.bytes / 2 ** 20).toFixed(1)} MiB | ${run.seconds.toFixed(1)} s | ${Math.round(run.rows / run.seconds).toLocaleString('en-US')} | ${run.before.toFixed(0)} MiB | ${run.peak.toFixed(0)} MiB | +${(run.peak - run.before).toFixed(0)} MiB |`,
      );
      console.log(results.at(-1));
    }
  }
  if (heapLimitMiB) console.log(`\nThe gateway ran with --max-old-space-size=${heapLimitMiB}.`);
  console.log('\n| events | reader | CSV size | time | rows/s | gateway RSS before | peak during | growth |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of results) console.log(row);
} finally {
  await stack.cleanup();
}
