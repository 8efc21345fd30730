// `npm run bench`: measures the versioning API through the real gateway, on PostgreSQL (DATABASE_URL, a fresh
// database) or PGlite. Prints latency percentiles and throughput; record results in bench/RESULTS.md.
import { randomUUID } from 'node:crypto';
import { startTestStack } from '../tests/support/stack';

const stack = await startTestStack();
process.env.PHASEGRAPH_TEST_STACK = JSON.stringify(stack.info);
const { APPROVE_VERSION, CREATE_VERSION, VERSIONS, gql, newRecord, newUser } = await import('../tests/support/api');
const { subscribe } = await import('../tests/support/subscriptions');

const tester = newUser('TESTER');
// Four eyes: the tester's versions are approved by another tester.
const reviewer = newUser('TESTER');
const VERSIONS_WITH_DETAILS = VERSIONS.replace(
  'node { id versionNumber status }',
  'node { id versionNumber status createdBy { name } reviewedBy { name } decisions { itemId status } }',
);

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}

function summary(name: string, samples: number[], totalMs?: number): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  const rate = totalMs ? `  ${((samples.length / totalMs) * 1000).toFixed(0)} ops/s` : '';
  console.log(
    `${name.padEnd(44)} n=${String(samples.length).padStart(4)}  p50 ${at(0.5).padStart(6)} ms  p95 ${at(0.95).padStart(6)} ms  max ${at(1).padStart(6)} ms${rate}`,
  );
}

async function must(query: string, variables: Record<string, unknown>, user = tester) {
  const result = await gql(query, variables, user);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

try {
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ itemId: randomUUID(), itemData: { attribute: `a${i}` } }));
  await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...newRecord(), data: {} } }); // warm up plans and pools

  const record = newRecord();
  const creates: number[] = [];
  const ids: string[] = [];
  let [total] = await timed(async () => {
    for (let i = 0; i < 200; i++) {
      const [ms, data] = await timed(() => must(CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: { i }, items: items(5) } }));
      creates.push(ms);
      ids.push(data.createVersion.id);
    }
  });
  summary('createVersion, sequential (5 items each)', creates, total);

  const approvals: number[] = [];
  [total] = await timed(async () => {
    for (const id of ids.slice(0, 100)) approvals.push((await timed(() => must(APPROVE_VERSION, { phase: 'PLANNING', versionId: id }, reviewer)))[0]);
  });
  summary('approveVersion, sequential (supersedes)', approvals, total);

  const lists: number[] = [];
  for (let i = 0; i < 50; i++) lists.push((await timed(() => must(VERSIONS_WITH_DETAILS, { phase: 'PLANNING', ...record, first: 50 })))[0]);
  summary('versions(first: 50) + decisions, users', lists);

  for (const parallel of [10, 50]) {
    const contended: number[] = [];
    [total] = await timed(async () => {
      for (let round = 0; round < 4; round++) {
        const shared = newRecord();
        await Promise.all(
          Array.from({ length: parallel }, async () =>
            contended.push((await timed(() => must(CREATE_VERSION, { input: { phase: 'SCOPING', ...shared, data: {} } })))[0]),
          ),
        );
      }
    });
    summary(`createVersion, ${parallel} at once on one record`, contended, total);
    const spread: number[] = [];
    [total] = await timed(async () => {
      for (let round = 0; round < 4; round++) {
        await Promise.all(
          Array.from({ length: parallel }, async () =>
            spread.push((await timed(() => must(CREATE_VERSION, { input: { phase: 'SCOPING', ...newRecord(), data: {} } })))[0]),
          ),
        );
      }
    });
    summary(`createVersion, ${parallel} at once on different records`, spread, total);
  }
  // Approval to subscriber: 100 subscribers on one report, 20 approvals one after another.
  const watched = newRecord();
  const watchers = Array.from({ length: 100 }, () =>
    subscribe(tester, 'subscription ($reportId: ID) { versionApproved(reportId: $reportId) { versionId actor { name } } }', { reportId: watched.reportId }),
  );
  const approve = async () =>
    must(
      APPROVE_VERSION,
      { phase: 'PLANNING', versionId: (await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...watched, data: {} } })).createVersion.id },
      reviewer,
    );
  while (watchers.some((watcher) => watcher.received.length === 0)) {
    await approve();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const delivery: number[] = [];
  for (let round = 0; round < 20; round++) {
    const before = watchers.map((watcher) => watcher.received.length);
    const draft = (await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...watched, data: {} } })).createVersion.id;
    const sent = performance.now();
    await must(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft }, reviewer);
    await Promise.all(
      watchers.map(async (watcher, i) => {
        await watcher.until(before[i]! + 1);
        delivery.push(performance.now() - sent);
      }),
    );
  }
  summary('approval → each of 100 subscribers', delivery);
  await Promise.all(watchers.map((watcher) => watcher.close()));

  // The migration at a modest size: 1,000 legacy attributes on 50 reports written before dual write.
  const admin = newUser('ADMIN');
  const writeLegacy = 'mutation ($input: ReportAttributeInput!) { createReportAttribute(input: $input) { attributeId } }';
  const reports = Array.from({ length: 50 }, () => newRecord());
  for (let i = 0; i < 1000; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) => must(writeLegacy, { input: { ...reports[(i + j) % 50]!, attributeName: `a${i + j}`, attributeType: 'string' } })),
    );
  }
  const asAdmin = async (query: string, variables: Record<string, unknown>) => {
    const result = await gql(query, variables, admin);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!;
  };
  let [ms, data] = await timed(() => asAdmin('mutation { backfillPhase(phase: PLANNING) { copied remaining } }', {}));
  console.log(
    `backfillPhase(PLANNING): ${data.backfillPhase.copied} records in ${(ms / 1000).toFixed(1)} s (${(data.backfillPhase.copied / (ms / 1000)).toFixed(0)} records/s)`,
  );
  [ms, data] = await timed(() => asAdmin('{ verifyDataIntegrity(phase: PLANNING) { checked discrepancies { type } } }', {}));
  console.log(
    `verifyDataIntegrity(PLANNING): ${data.verifyDataIntegrity.checked} records, ${data.verifyDataIntegrity.discrepancies.length} discrepancies, in ${(ms / 1000).toFixed(2)} s`,
  );
  [ms, data] = await timed(() => asAdmin('mutation { rollbackPhase(phase: PLANNING) { durationMs steps { step durationMs } } }', {}));
  console.log(
    `rollbackPhase(PLANNING), 1,000+ mirrors: ${data.rollbackPhase.durationMs} ms server-side, ${ms.toFixed(0)} ms for the client (${data.rollbackPhase.steps.map((step: any) => `${step.step} ${step.durationMs} ms`).join('; ')})`,
  );
} finally {
  await stack.cleanup();
}
