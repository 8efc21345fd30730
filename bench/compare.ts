// `npm run bench -- compare`: what our gateway costs, as ratios that survive a change of machine. The split
// deployment (each subgraph its own process) against Hive Gateway, against its subgraphs called directly and against
// raw SQL; the migration's reads and backfill; then the one-process stack, also against itself with tracing on.
// `npm run bench -- compare one-process` runs the one-process part alone; `npm run bench -- compare reference <dir>` sets
// the one-process stack against the same from another checkout (e.g. the commit before a change, with this one's
// node_modules), what a change costs in one run. Appends the table to bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { SUBGRAPH_NAMES } from '@phasegraph/kit';
import { Pool } from 'pg';
import { machineLine } from './support/machine';
import { median, measureHttp, measureTransactions, type HttpLoad, type RunResult } from './support/load';
import {
  createDatabase,
  freePort,
  logDir,
  onTeardown,
  startNode,
  startOneProcessStack,
  startSplitStack,
  tearDownOnSignals,
  teardown,
  type SplitStack,
} from './support/processes';
import {
  COMPAT_REPORT_ATTRIBUTES_QUERY,
  JWT_SECRET,
  PLANNING_VERSIONS_QUERY,
  REPORT_ATTRIBUTES_QUERY,
  SUBGRAPH_SECRET,
  VERSIONS_QUERY,
  bearer,
  createVersionInSql,
  createVersionRequest,
  must,
  newRecord,
  newUser,
  seedLegacyAttributes,
  seedVersions,
  signedAs,
  subgraphUrlVariable,
  type BenchUser,
  type RecordKey,
} from './support/workload';

/** BENCH_SECONDS and BENCH_ROUNDS shorten a trial run; the recorded figures use the defaults. */
const LOAD = { connections: 10, seconds: Number(process.env.BENCH_SECONDS ?? 8), warmUpSeconds: 2 };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The test stacks' database server by default; the benchmark creates its own databases there and drops them. */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** One side of a comparison: how to measure it once (any set-up it needs included). */
interface Side {
  label: string;
  run(): Promise<RunResult>;
}

/** Two sides measured back to back, ROUNDS times; the ratio of each round, and their median, is what counts. */
interface Comparison {
  name: string;
  a: Side;
  b: Side;
  /** `rps`: a's throughput ÷ b's. `p50`: b's median latency ÷ a's (how much slower b answers). */
  ratio: 'rps' | 'p50';
}

interface Measured {
  comparison: Comparison;
  rounds: { a: RunResult; b: RunResult }[];
}

/**
 * The 1-minute load average after each round, the benchmark's own processes included: on a shared machine other work
 * shows as a higher figure (and in the absolute numbers; the ratios of back-to-back runs suffer less).
 */
const loadAverages: number[] = [];

const ratioOf = (ratio: Comparison['ratio'], a: RunResult, b: RunResult) => (ratio === 'rps' ? a.rps / b.rps : b.p50 / a.p50);
const describe = (run: RunResult) =>
  `${run.rps.toFixed(0)} rps, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms${run.failures ? `, ${run.failures} FAILED` : ''}`;

async function compare(comparison: Comparison): Promise<Measured> {
  console.log(`\n${comparison.name}\n  A: ${comparison.a.label}\n  B: ${comparison.b.label}`);
  const rounds: Measured['rounds'] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await comparison.a.run();
    const b = await comparison.b.run();
    rounds.push({ a, b });
    loadAverages.push(os.loadavg()[0]!);
    console.log(
      `  round ${round}: A ${describe(a)} · B ${describe(b)} → ${ratioOf(comparison.ratio, a, b).toFixed(2)} (load ${loadAverages.at(-1)!.toFixed(1)})`,
    );
  }
  return { comparison, rounds };
}

function http(url: string, headers: HttpLoad['headers'], body: HttpLoad['body']): () => Promise<RunResult> {
  return () => measureHttp({ url, headers, body }, LOAD);
}

function rawSql(pool: Pool, actor: BenchUser, record?: RecordKey): () => Promise<RunResult> {
  return () => measureTransactions(pool, LOAD.connections, (client) => createVersionInSql(client, record ?? newRecord(), actor.id), LOAD);
}

/** A pg pool for the raw-SQL side, ended at teardown (before its database is dropped). */
function rawPool(databaseUrl: string): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: LOAD.connections });
  onTeardown(() => pool.end());
  return pool;
}

/** The createVersion comparisons against raw SQL: a new record each time, and all on one record (its lock contended). */
function createVersionComparisons(where: string, gatewayUrl: string, tester: BenchUser, pool: Pool): Comparison[] {
  const gatewayRecord = newRecord();
  const sqlRecord = newRecord();
  return [
    {
      name: `createVersion, 5 items, a new record each (${where})`,
      a: { label: `our gateway (${where})`, run: http(gatewayUrl, bearer(tester), () => createVersionRequest()) },
      b: { label: 'raw pg transaction, pool of 10, 10 loops', run: rawSql(pool, tester) },
      ratio: 'rps',
    },
    {
      name: `createVersion, 5 items, all on one record (${where})`,
      a: { label: `our gateway (${where})`, run: http(gatewayUrl, bearer(tester), () => createVersionRequest(gatewayRecord)) },
      b: { label: 'raw pg transaction, pool of 10, 10 loops', run: rawSql(pool, tester, sqlRecord) },
      ratio: 'rps',
    },
  ];
}

/** The versions list through the gateway against the planning subgraph's own list, checked to hold the seed first. */
async function versionsComparison(where: string, gatewayUrl: string, planningUrl: string, tester: BenchUser, record: RecordKey): Promise<Comparison> {
  const { versions } = await must(gatewayUrl, bearer(tester), VERSIONS_QUERY, record);
  const { planningVersions } = await must(planningUrl, (body) => signedAs(tester, body), PLANNING_VERSIONS_QUERY, record);
  const seeded = (nodes: any[]) => nodes.length === 20 && nodes.every((node) => node.decisions.length === 5);
  if (!seeded(versions.edges.map((edge: any) => edge.node)) || !seeded(planningVersions) || versions.edges[0].node.createdBy.name !== tester.name) {
    throw new Error(`the versions list does not hold the 20 seeded versions of 5 decisions: ${JSON.stringify(versions).slice(0, 300)}`);
  }
  return {
    name: `versions(first: 20) with decisions and creator (${where})`,
    a: { label: `our gateway (${where})`, run: http(gatewayUrl, bearer(tester), { query: VERSIONS_QUERY, variables: record }) },
    b: {
      label: 'planning subgraph directly (signed), createdBy { id }',
      run: http(planningUrl, (body) => signedAs(tester, body), { query: PLANNING_VERSIONS_QUERY, variables: record }),
    },
    ratio: 'rps',
  };
}

interface SplitDeployment extends SplitStack {
  databaseUrl: string;
  hiveUrl: string;
}

/** Each subgraph its own process, our gateway in front embedding none of them, and Hive Gateway beside it. */
async function startSplitDeployment(): Promise<SplitDeployment> {
  const databaseUrl = await createDatabase(SERVER_URL);
  const split = await startSplitStack(databaseUrl, { JWT_SECRET, SUBGRAPH_SECRET });
  const hivePort = await freePort();
  const hive = await startNode('hive-gateway', 'bench/hive-gateway.ts', {
    env: { ...split.env, PORT: String(hivePort) },
    healthUrl: `http://127.0.0.1:${hivePort}/health`,
  });
  return { ...split, databaseUrl, hiveUrl: `http://127.0.0.1:${hivePort}/graphql`, processes: () => [hive, ...split.processes()] };
}

async function splitDeploymentComparisons(): Promise<{ measured: Measured[]; backfill: string }> {
  console.log('Starting the split deployment (10 subgraph processes, our gateway, Hive Gateway)…');
  const split = await startSplitDeployment();
  const { gatewayUrl, hiveUrl, subgraphUrls } = split;
  const tester = newUser('TESTER');
  const admin = newUser('ADMIN');
  const versionsRecord = newRecord();
  const legacyRecord = newRecord();
  console.log('Seeding: 20 Planning versions of 5 decisions on one report, 24 legacy report attributes on another…');
  await seedVersions(gatewayUrl, tester, versionsRecord, 20);
  await seedLegacyAttributes(gatewayUrl, tester, [legacyRecord], 24);

  // Both gateways must give the same answer before their speed means anything.
  const ours = await must(gatewayUrl, bearer(tester), REPORT_ATTRIBUTES_QUERY, legacyRecord);
  const theirs = await must(hiveUrl, bearer(tester), REPORT_ATTRIBUTES_QUERY, legacyRecord);
  if (ours.reportAttributes.length !== 24 || JSON.stringify(ours) !== JSON.stringify(theirs) || ours.reportAttributes[0].createdBy.name !== tester.name) {
    throw new Error(
      `our gateway and Hive Gateway answer reportAttributes differently:\n${JSON.stringify(ours).slice(0, 300)}\n${JSON.stringify(theirs).slice(0, 300)}`,
    );
  }
  await must(subgraphUrls.compat!, (body) => signedAs(tester, body), COMPAT_REPORT_ATTRIBUTES_QUERY, legacyRecord);
  const readAttributes = { query: REPORT_ATTRIBUTES_QUERY, variables: legacyRecord };
  const pool = rawPool(split.databaseUrl);
  const measured: Measured[] = [];
  for (const comparison of [
    {
      name: 'reportAttributes (compat + identity), 24 rows',
      a: { label: 'our gateway (split)', run: http(gatewayUrl, bearer(tester), readAttributes) },
      b: { label: 'Hive Gateway, same subgraph processes', run: http(hiveUrl, bearer(tester), readAttributes) },
      ratio: 'rps' as const,
    },
    await versionsComparison('split', gatewayUrl, subgraphUrls.planning!, tester, versionsRecord),
    {
      name: 'reportAttributes, 24 rows: gateway vs its subgraph',
      a: { label: 'our gateway (split)', run: http(gatewayUrl, bearer(tester), readAttributes) },
      b: {
        label: 'compat subgraph directly (signed), createdBy { id }',
        run: http(subgraphUrls.compat!, (body) => signedAs(tester, body), { query: COMPAT_REPORT_ATTRIBUTES_QUERY, variables: legacyRecord }),
      },
      ratio: 'rps' as const,
    },
    ...createVersionComparisons('split', gatewayUrl, tester, pool),
  ]) {
    measured.push(await compare(comparison));
  }

  // The migration: legacy records written before dual write, backfilled, then legacy-shaped reads moved to the new tables.
  console.log('\nWriting 1,000 legacy report attributes over 50 reports, dual write off…');
  await seedLegacyAttributes(gatewayUrl, tester, Array.from({ length: 50 }, newRecord), 1000);
  const asAdmin = (query: string, variables: Record<string, unknown> = {}) => must(gatewayUrl, bearer(admin), query, variables);
  await asAdmin('mutation { setDualWrite(phase: PLANNING, enabled: true) { dualWriteEnabled } }');
  const started = performance.now();
  const { backfillPhase: report } = await asAdmin('mutation { backfillPhase(phase: PLANNING) { copied failed remaining } }');
  const seconds = (performance.now() - started) / 1000;
  const backfill =
    `backfillPhase(PLANNING), split: ${report.copied} legacy records in ${seconds.toFixed(1)} s = **${(report.copied / seconds).toFixed(0)} records/s**` +
    (report.failed || report.remaining ? ` — FAILED: ${report.failed} failed, ${report.remaining} remaining` : '');
  console.log(backfill);

  const readFrom = (percentage: number): Side => ({
    label: `our gateway (split), read percentage ${percentage} %`,
    async run() {
      await asAdmin('mutation ($percentage: Int!) { setReadPercentage(phase: PLANNING, percentage: $percentage) { readPercentage } }', { percentage });
      const { readSource } = await asAdmin(
        'query ($cycleId: ID!, $reportId: ID!) { readSource(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { source } }',
        legacyRecord,
      );
      if (readSource.source !== (percentage === 100 ? 'NEW' : 'LEGACY')) throw new Error(`at ${percentage} % the report reads from ${readSource.source}`);
      return measureHttp({ url: gatewayUrl, headers: bearer(tester), body: readAttributes }, LOAD);
    },
  });
  // Rebuilt from the new tables, the answer must be the legacy one exactly.
  await asAdmin('mutation { setReadPercentage(phase: PLANNING, percentage: 100) { readPercentage } }');
  const atHundred = await must(gatewayUrl, bearer(tester), REPORT_ATTRIBUTES_QUERY, legacyRecord);
  if (JSON.stringify(atHundred) !== JSON.stringify(ours)) {
    throw new Error(
      `reportAttributes from the new tables differs from the legacy answer:\n${JSON.stringify(atHundred).slice(0, 300)}\n${JSON.stringify(ours).slice(0, 300)}`,
    );
  }
  measured.push(await compare({ name: 'reportAttributes, 24 rows: p50 at 100 % ÷ p50 at 0 % new tables', a: readFrom(0), b: readFrom(100), ratio: 'p50' }));
  await Promise.all(split.processes().map((child) => child.stop()));
  return { measured, backfill };
}

/** `npm start` on PostgreSQL: the gateway and every subgraph in one process; and beside it the same with tracing on. */
async function oneProcessComparisons(): Promise<Measured[]> {
  console.log('\nStarting the one-process stack, and another one tracing to an OTLP endpoint…');
  const environment = {
    JWT_SECRET,
    SUBGRAPH_SECRET,
    // Everything embedded, whatever the calling shell has set.
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlVariable(name), ''])),
  };
  const stack = await startOneProcessStack('one-process', SERVER_URL, { ...environment, OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  const traced = await startOneProcessStack('one-process-traced', SERVER_URL, { ...environment, OTEL_EXPORTER_OTLP_ENDPOINT: await otlpSink() });
  const { gatewayUrl } = stack;
  const planningUrl = stack.subgraphUrl('planning');
  const tester = newUser('TESTER');
  const record = newRecord();
  await seedVersions(gatewayUrl, tester, record, 20);
  await seedVersions(traced.gatewayUrl, tester, record, 20);
  const measured: Measured[] = [];
  for (const comparison of [
    await versionsComparison('one process', gatewayUrl, planningUrl, tester, record),
    ...createVersionComparisons('one process', gatewayUrl, tester, rawPool(stack.databaseUrl)),
    {
      name: 'versions(first: 20) with decisions and creator (one process): tracing off ÷ on',
      a: { label: 'our gateway (one process), tracing off', run: http(gatewayUrl, bearer(tester), { query: VERSIONS_QUERY, variables: record }) },
      b: { label: 'the same, tracing on (OTLP/protobuf)', run: http(traced.gatewayUrl, bearer(tester), { query: VERSIONS_QUERY, variables: record }) },
      ratio: 'rps' as const,
    },
    {
      name: 'createVersion, 5 items, a new record each (one process): tracing off ÷ on',
      a: { label: 'our gateway (one process), tracing off', run: http(gatewayUrl, bearer(tester), () => createVersionRequest()) },
      b: { label: 'the same, tracing on (OTLP/protobuf)', run: http(traced.gatewayUrl, bearer(tester), () => createVersionRequest()) },
      ratio: 'rps' as const,
    },
  ]) {
    measured.push(await compare(comparison));
  }
  await Promise.all([stack.child.stop(), traced.child.stop()]);
  return measured;
}

/** The one-process stack of this checkout against the same of the checkout in `reference`, back to back. */
async function referenceComparisons(reference: string): Promise<Measured[]> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: reference, encoding: 'utf8' }).trim();
  console.log(`\nStarting the one-process stack of this checkout and of ${reference} (${commit})…`);
  const environment = {
    JWT_SECRET,
    SUBGRAPH_SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlVariable(name), ''])),
  };
  const ours = await startOneProcessStack('one-process', SERVER_URL, environment);
  const theirs = await startOneProcessStack('one-process-reference', SERVER_URL, environment, [], reference);
  const tester = newUser('TESTER');
  const record = newRecord();
  await seedVersions(ours.gatewayUrl, tester, record, 20);
  await seedVersions(theirs.gatewayUrl, tester, record, 20);
  const measured: Measured[] = [];
  for (const comparison of [
    {
      name: `versions(first: 20) with decisions and creator (one process): this checkout ÷ ${commit}`,
      a: { label: 'our gateway (one process), this checkout', run: http(ours.gatewayUrl, bearer(tester), { query: VERSIONS_QUERY, variables: record }) },
      b: { label: `the same at ${commit}`, run: http(theirs.gatewayUrl, bearer(tester), { query: VERSIONS_QUERY, variables: record }) },
      ratio: 'rps' as const,
    },
    {
      name: `createVersion, 5 items, a new record each (one process): this checkout ÷ ${commit}`,
      a: { label: 'our gateway (one process), this checkout', run: http(ours.gatewayUrl, bearer(tester), () => createVersionRequest()) },
      b: { label: `the same at ${commit}`, run: http(theirs.gatewayUrl, bearer(tester), () => createVersionRequest()) },
      ratio: 'rps' as const,
    },
  ]) {
    measured.push(await compare(comparison));
  }
  await Promise.all([ours.child.stop(), theirs.child.stop()]);
  return measured;
}

/** An OTLP/HTTP endpoint that takes every export and keeps nothing: what tracing costs the gateway, not a collector. */
async function otlpSink(): Promise<string> {
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => sink.close(() => resolve())));
  return `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
}

/** The recorded table: per comparison, the median ratio and each side's median figures over the rounds. */
function table(measured: Measured[]): string {
  const cell = (runs: RunResult[]) =>
    `${median(runs.map((run) => run.rps)).toFixed(0)} / ${median(runs.map((run) => run.p50)).toFixed(1)} / ${median(runs.map((run) => run.p99)).toFixed(1)}`;
  const rows = measured.map(({ comparison, rounds }) => {
    const failures = rounds.reduce((sum, round) => sum + round.a.failures + round.b.failures, 0);
    const ratio = median(rounds.map((round) => ratioOf(comparison.ratio, round.a, round.b))).toFixed(2);
    const ratioCell = comparison.ratio === 'rps' ? `**${ratio}×** (A÷B rps)` : `**${ratio}×** (B÷A p50)`;
    return `| ${comparison.name} | ${comparison.a.label} | ${comparison.b.label} | ${ratioCell} | ${cell(rounds.map((r) => r.a))} | ${cell(rounds.map((r) => r.b))} | ${failures === 0 ? '0' : `**${failures} FAILED**`} |`;
  });
  return [
    '| comparison | A | B | ratio (median of rounds) | A rps / p50 / p99 ms | B rps / p50 / p99 ms | failed requests |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function fail(message: string): never {
  throw new Error(message);
}

tearDownOnSignals();
try {
  const machine = await machineLine(SERVER_URL);
  const [part, reference] = process.argv.slice(3);
  const onlyOneProcess = part === 'one-process' || part === 'reference';
  const { measured: split, backfill } = onlyOneProcess ? { measured: [], backfill: '' } : await splitDeploymentComparisons();
  const oneProcess =
    part === 'reference' ? await referenceComparisons(reference ?? fail('usage: compare reference <checkout>')) : await oneProcessComparisons();
  const section = [
    `## ${new Date().toISOString().slice(0, 10)} — npm run bench -- compare${part ? ` ${part}` : ''}`,
    '',
    `${machine} autocannon, ${LOAD.connections} connections, ${LOAD.seconds} s per run after a ${LOAD.warmUpSeconds} s warm-up, ` +
      `each pair back to back, ${ROUNDS} rounds; the ratio is the median of the rounds' ratios, the other figures medians too. ` +
      'Split: each subgraph its own process; one process: `npm start` on PostgreSQL. ' +
      `1-minute load average after the rounds (ours included): ${Math.min(...loadAverages).toFixed(1)}–${Math.max(...loadAverages).toFixed(1)}.`,
    '',
    table([...split, ...oneProcess]),
    '',
    backfill,
    '',
  ].join('\n');
  console.log(`\n${section}`);
  appendFileSync(new URL('RESULTS.md', import.meta.url), `\n${section}`);
  console.log(`Appended to bench/RESULTS.md. Process logs: ${logDir}`);
} catch (error) {
  console.error(error);
  console.error(`Process logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await teardown();
}
