// `npm run bench -- subscriptions [counts]`: approvals delivered to many subscribers. Starts the one-process stack on a
// fresh PostgreSQL database (DATABASE_URL), then for each N (default 100, 1000, 10000) N subscribers in another
// process on one report; sends K approvals one after another and times each from sending approveVersion to each
// receipt. Also: the gateway's memory per idle subscription, the rate of new connections, and createVersion
// throughput with 1,000 idle subscribers on other reports against none. Prints a table to paste into RESULTS.md.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startTestStack } from '../tests/support/stack';

const counts = (process.argv[3] ?? '100,1000,10000').split(',').map(Number);
const APPROVALS_PER_RUN = 20;
if (!process.env.DATABASE_URL) throw new Error('npm run bench -- subscriptions needs DATABASE_URL (a PostgreSQL server)');

const stack = await startTestStack();
process.env.PHASEGRAPH_TEST_STACK = JSON.stringify(stack.info);
const { APPROVE_VERSION, CREATE_VERSION, gql, newRecord, newUser } = await import('../tests/support/api');
const author = newUser('TESTER');
const approver = newUser('TESTER');

/** The gateway process's resident memory, in MiB. */
function gatewayRssMiB(): number {
  const status = readFileSync(`/proc/${stack.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function must(query: string, variables: Record<string, unknown>, user = author) {
  const result = await gql(query, variables, user);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Starts `count` subscribers on `reportId` (plus idle ones on `idle` reports) in a child process. */
function startSubscribers(count: number, reportId: string, idle: string[] = []) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/subscribers.ts', stack.info.gatewayUrl, author.token, String(count), reportId, idle.join(',')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (value: { times?: number[]; ms?: number }) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { type: string; versionId?: string; times?: number[]; ms?: number; error?: string };
    if (message.type === 'error') console.error('subscriber error:', message.error);
    const key = message.type === 'delivered' ? message.versionId! : message.type;
    waiting.get(key)?.(message);
  });
  const next = (key: string) => new Promise<{ times?: number[]; ms?: number }>((resolve) => waiting.set(key, resolve));
  return {
    connected: next('connected'),
    delivered: (versionId: string) => next(versionId),
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

async function approveOne(record: { cycleId: string; reportId: string }) {
  const { createVersion } = await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: {} } });
  return { id: createVersion.id as string, approve: () => must(APPROVE_VERSION, { phase: 'PLANNING', versionId: createVersion.id }, approver) };
}

const rows: string[] = [];
try {
  await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...newRecord(), data: {} } }); // warm up
  await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...newRecord(), data: {} } }, approver);
  for (const count of counts) {
    const record = newRecord();
    const rssBefore = gatewayRssMiB();
    const subscribers = startSubscribers(count, record.reportId);
    const { ms: connectMs } = await subscribers.connected;
    // A first approval reaches everyone: from then on every subscription is live.
    const warm = await approveOne(record);
    const warmDelivered = subscribers.delivered(warm.id);
    await warm.approve();
    await warmDelivered;
    const rssIdle = gatewayRssMiB();
    const latencies: number[] = [];
    const perApproval: number[] = [];
    let deliveries = 0;
    for (let i = 0; i < APPROVALS_PER_RUN; i++) {
      const version = await approveOne(record);
      const delivered = subscribers.delivered(version.id);
      const sent = performance.timeOrigin + performance.now();
      await version.approve();
      const { times } = await delivered;
      deliveries += times!.length;
      const own = times!.map((at) => at - sent).sort((a, b) => a - b);
      latencies.push(...own);
      perApproval.push(percentile(own, 0.99));
    }
    const sorted = latencies.sort((a, b) => a - b);
    const rssAfter = gatewayRssMiB();
    await subscribers.stop();
    const firstHalf = perApproval.slice(0, APPROVALS_PER_RUN / 2).reduce((a, b) => a + b) / (APPROVALS_PER_RUN / 2);
    const secondHalf = perApproval.slice(APPROVALS_PER_RUN / 2).reduce((a, b) => a + b) / (APPROVALS_PER_RUN / 2);
    rows.push(
      `| ${count.toLocaleString('en')} | ${percentile(sorted, 0.5).toFixed(0)} / ${percentile(sorted, 0.99).toFixed(0)} / ${sorted.at(-1)!.toFixed(0)} ms | ` +
        `${deliveries.toLocaleString('en')} of ${(count * APPROVALS_PER_RUN).toLocaleString('en')} | ${firstHalf.toFixed(0)} → ${secondHalf.toFixed(0)} ms | ` +
        `${(((rssIdle - rssBefore) * 1024) / count).toFixed(1)} KiB | ${((count / connectMs!) * 1000).toFixed(0)}/s | ${rssAfter.toFixed(0)} MiB |`,
    );
    console.log(rows.at(-1));
  }

  // Idle subscribers on other reports and writers: createVersion throughput with 1,000 of them against none.
  const throughput = async () => {
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (performance.now() - started < 8_000) {
          await must(CREATE_VERSION, { input: { phase: 'PLANNING', ...newRecord(), data: {}, items: [] } });
          done++;
        }
      }),
    );
    return (done / (performance.now() - started)) * 1000;
  };
  const without = await throughput();
  const idle = startSubscribers(
    0,
    newRecord().reportId,
    Array.from({ length: 1000 }, () => newRecord().reportId),
  );
  await idle.connected;
  const withIdle = await throughput();
  await idle.stop();
  const without2 = await throughput();

  console.log(
    '\n| subscribers on one report | approval → receipt p50 / p99 / max | delivered | p99, first → last ten approvals | gateway memory per idle subscription | new connections | gateway RSS after |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(
    `\ncreateVersion, 10 clients: ${without.toFixed(0)}/s without subscribers, ${withIdle.toFixed(0)}/s with 1,000 idle on other reports, ` +
      `${without2.toFixed(0)}/s without again (ratio ${(withIdle / ((without + without2) / 2)).toFixed(3)})`,
  );
} finally {
  await stack.cleanup();
}
