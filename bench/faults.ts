// `npm run bench -- faults [deployment:fault,…]`: does the API keep its promises when the platform fails (issue 16)?
// On a PostgreSQL server of its own, writers create Planning versions through the gateway as retrying clients do (a
// key per intended write, the same key on every retry of it) while one fault at a time is injected: a subgraph
// killed, PostgreSQL restarted, every connection cut, a rolling restart. After each window the database is checked.
// Prints a Markdown table per window, to paste into bench/RESULTS.md.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { SUBGRAPH_NAMES } from '@phasegraph/kit';
import { Client } from 'pg';
import { untilHealthy } from '../tests/support/stack';
import { percentile } from './support/load';
import { machineLine } from './support/machine';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres';
import {
  createDatabase,
  freePort,
  logDir,
  startOneProcessServer,
  startSplitStack,
  tearDownOnSignals,
  teardown,
  type Child,
  type SplitStack,
} from './support/processes';
import { RetryingClient, describeAttempt, type Attempt, type RetryPolicy, type WriteOutcome } from './support/retrying-client';
import { JWT_SECRET, SUBGRAPH_SECRET, bearer, fiveItems, newRecord, newUser, subgraphUrlVariable, type BenchUser, type RecordKey } from './support/workload';

/** BENCH_WRITERS, BENCH_SECONDS (steady writing over all windows) and BENCH_RECORDS (0: a new record per write) change the run. */
const WRITERS = Number(process.env.BENCH_WRITERS ?? 10);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
/**
 * The writers share a few records rather than each write taking a new one: writes on one record queue on its lock,
 * so more of them are inside a transaction when a fault strikes, and a retry can meet its own first attempt still
 * running (the concurrent-repeat case of a key).
 */
const SHARED_RECORDS = Number(process.env.BENCH_RECORDS ?? 3);
/** A client's patience: a request past 10 s counts as hung (and is retried); a write not acknowledged within 60 s, as never acknowledged. */
const POLICY: RetryPolicy = { requestDeadlineMs: 10_000, writeBudgetMs: 60_000, firstBackoffMs: 100, maxBackoffMs: 2_000 };
/** What the servers are started with, and what a rolling restart's old process is held to. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How many times the connections-terminated window cuts every connection (each once writes are acknowledged again). */
const TERMINATIONS = 3;

const CREATE_VERSION = `mutation ($input: CreateVersionInput!, $key: String) {
  createVersion(input: $input, idempotencyKey: $key) { id }
}`;

type DeploymentKind = 'split' | 'one-process';

/** A running deployment, as a fault acts on it. */
interface Deployment {
  kind: DeploymentKind;
  gatewayUrl: string;
  databaseUrl: string;
  /** The process clients talk to: the gateway (split), or the whole server (one process). */
  front(): Child;
  /** Starts a replacement for the front process where its clients expect it, once the old one has exited. */
  replaceFront(): Promise<void>;
  /** Each subgraph its own process: only the split deployment has them. */
  split?: SplitStack;
  stop(): Promise<void>;
}

/** What a fault's injection observed: lines for the notes, and any promise of the contract it saw broken. */
interface FaultReport {
  notes: string[];
  broken: string[];
}

/** What a fault acts on. */
interface FaultScene {
  deployment: Deployment;
  postgres: ThrowawayPostgres;
  writing: WindowWriting;
}

/** A fault and how to inject it; resolves once the fault has been dealt (the platform may still be recovering). */
interface Fault {
  description: string;
  /** The deployment it needs, if only one has what it acts on. */
  needs?: DeploymentKind;
  inject(scene: FaultScene): Promise<FaultReport>;
}

const FAULTS: Record<string, Fault> = {
  baseline: {
    description: 'no fault',
    inject: async () => ({ notes: [], broken: [] }),
  },
  'subgraph-kill': {
    description: 'the planning subgraph SIGKILLed, then started again',
    needs: 'split',
    async inject({ deployment }) {
      const split = deployment.split!;
      await split.subgraphs.planning!.stop('SIGKILL');
      const killed = performance.now();
      await split.startSubgraph('planning');
      return { notes: [`planning subgraph killed; its replacement was ready ${seconds(performance.now() - killed)} later`], broken: [] };
    },
  },
  'postgres-restart': {
    description: 'PostgreSQL restarted (`pg_ctl restart -m fast`)',
    async inject({ postgres }) {
      const started = performance.now();
      await postgres.restart();
      return { notes: [`PostgreSQL accepted connections again ${seconds(performance.now() - started)} after the restart began`], broken: [] };
    },
  },
  'connections-terminated': {
    description: `every connection to the database terminated, ${TERMINATIONS} times`,
    async inject({ deployment, postgres, writing }) {
      const terminated: number[] = [];
      const broken: string[] = [];
      for (let i = 0; i < TERMINATIONS; i++) {
        terminated.push(await terminateConnections(postgres.serverUrl, deployment.databaseUrl));
        // The next cut once writing has resumed, so that each one strikes a working system.
        if (!(await writing.untilAcknowledged(WRITERS, POLICY.writeBudgetMs))) {
          broken.push(`no ${WRITERS} writes acknowledged within ${seconds(POLICY.writeBudgetMs)} of termination ${i + 1}`);
          break;
        }
      }
      return { notes: [`connections terminated: ${terminated.join(', ')} (each cut ${WRITERS} acknowledged writes after the one before)`], broken };
    },
  },
  'rolling-restart': {
    description: 'SIGTERM to the gateway (one process: the whole server), its replacement started on the same port once it exited',
    async inject({ deployment, writing }) {
      const old = deployment.front();
      const inFlight = writing.attemptsInFlight();
      const signalled = performance.now();
      old.process.kill('SIGTERM');
      const { code, signal } = await old.exited;
      const exitMs = performance.now() - signalled;
      await deployment.replaceFront();
      const answers = await Promise.all(inFlight.map((attempt) => attempt.settled));
      const withData = answers.filter((answer) => answer.kind === 'answered' && answer.errors.length === 0).length;
      const refused = answers.filter((answer) => answer.kind === 'answered' && answer.errors.length > 0);
      const unanswered = answers.filter((answer) => answer.kind !== 'answered');
      const broken: string[] = [];
      if (code !== 0) broken.push(`the old process ended with ${code ?? signal}, not exit code 0`);
      if (exitMs > SHUTDOWN_TIMEOUT_MS)
        broken.push(`the old process took ${seconds(exitMs)} to exit, more than SHUTDOWN_TIMEOUT_MS (${seconds(SHUTDOWN_TIMEOUT_MS)})`);
      if (unanswered.length > 0)
        broken.push(`${unanswered.length} requests in flight at the SIGTERM got no answer (${tally(unanswered.flatMap(describeAttempt))})`);
      return {
        notes: [
          `SIGTERM → exit code ${code ?? signal} after ${seconds(exitMs)} (SHUTDOWN_TIMEOUT_MS ${seconds(SHUTDOWN_TIMEOUT_MS)}); ` +
            `requests in flight at the signal: ${answers.length}, answered with data ${withData}, with an error ${refused.length}` +
            `${refused.length ? ` (${tally(refused.flatMap(describeAttempt))})` : ''}, unanswered ${unanswered.length}`,
        ],
        broken,
      };
    },
  },
};

/** Ends every connection to `databaseUrl`'s database but the one asking; returns how many. */
async function terminateConnections(serverUrl: string, databaseUrl: string): Promise<number> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // In the select list, not the WHERE clause: PostgreSQL may evaluate a WHERE clause's conditions in any order,
    // and would then end this connection too.
    const { rows } = await admin.query<{ terminated: boolean }>(
      'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = $1',
      [new URL(databaseUrl).pathname.slice(1)],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await admin.end();
  }
}

/** One intended write: its key, the record it writes on, and how it ended. */
interface IntendedWrite {
  key: string;
  outcome: WriteOutcome;
}

/**
 * One window's writers: each writes one version after another (a new key each), retrying each until it is
 * acknowledged or given up, while `writing` holds. Counts what every attempt met as it happens.
 */
class WindowWriting {
  readonly writes: IntendedWrite[] = [];
  /** Every answer and failure seen, by code (SERVICE_UNAVAILABLE, ECONNREFUSED, TIMED_OUT…). */
  readonly seen = new Map<string, number>();
  readonly records: RecordKey[] = Array.from({ length: SHARED_RECORDS }, newRecord);
  private readonly clients: RetryingClient[];
  private acknowledged = 0;
  private readonly waiters = new Set<{ count: number; resolve: () => void }>();
  private writing = true;
  private readonly writers: Promise<void>[];

  constructor(gatewayUrl: string, users: BenchUser[]) {
    this.clients = users.map((user) => new RetryingClient(gatewayUrl, bearer(user), POLICY, (attempt) => this.note(attempt)));
    this.writers = this.clients.map(async (client) => {
      while (this.writing) await this.writeOne(client);
    });
  }

  /** Stops starting writes; resolves once every write begun has been acknowledged or given up. */
  async finish(): Promise<void> {
    this.writing = false;
    await Promise.all(this.writers);
  }

  /** Resolves true once `count` more writes have been acknowledged; false if they were not within `timeoutMs`. */
  untilAcknowledged(count: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter = { count: this.acknowledged + count, resolve: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => (this.waiters.delete(waiter), resolve(false)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The requests the writers have sent and not yet seen settle. */
  attemptsInFlight() {
    return this.clients.flatMap((client) => [...client.inFlight]);
  }

  private async writeOne(client: RetryingClient): Promise<void> {
    const key = randomUUID();
    const record = this.records.length > 0 ? this.records[Math.floor(Math.random() * this.records.length)]! : newRecord();
    // The key is in the version's data too: the check finds every version stored for an intended write, even one stored
    // outside the key mechanism.
    const input = { phase: 'PLANNING', ...record, data: { objective: 'fault benchmark', intent: key }, items: fiveItems() };
    const outcome = await client.write({ query: CREATE_VERSION, variables: { input, key } });
    this.writes.push({ key, outcome });
    if (outcome.acknowledged) {
      this.acknowledged++;
      for (const waiter of this.waiters) {
        if (this.acknowledged < waiter.count) continue;
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private note(attempt: Attempt): void {
    for (const code of describeAttempt(attempt)) this.seen.set(code, (this.seen.get(code) ?? 0) + 1);
  }
}

/** What the database holds for a window's intended writes. */
interface Stored {
  /** Acknowledged writes whose acknowledged version is not stored. */
  lost: number;
  /** Versions stored for an intended write that its key does not name: a second copy, or one written outside the key. */
  storedTwice: number;
  /** Writes never acknowledged whose version is stored all the same (the client was told no, or nothing). */
  storedUnacknowledged: number;
  /** Anything else out of order (events, numbering). */
  broken: string[];
}

async function checkDatabase(databaseUrl: string, writes: IntendedWrite[]): Promise<Stored> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const keys = writes.map((write) => write.key);
    const { rows: versions } = await db.query<{ id: string; intent: string; named: boolean }>(
      `SELECT v.version_id::text AS id, v.data->>'intent' AS intent, k.record_id IS NOT NULL AS named
       FROM planning.planning_phase_versions v
       LEFT JOIN events.idempotency_keys k ON k.key = v.data->>'intent' AND k.record_id = v.version_id::text
       WHERE v.data->>'intent' = ANY($1::text[])`,
      [keys],
    );
    const storedIds = new Set(versions.map((version) => version.id));
    const storedIntents = new Set(versions.map((version) => version.intent));
    const acknowledgedId = (write: IntendedWrite) => (write.outcome.acknowledged?.createVersion as { id: string } | undefined)?.id;
    const broken: string[] = [];
    // Every version has exactly one CREATED event (subscribers hear of each once), and numbers run 1…n on each record.
    const { rows: events } = await db.query<{ wrong: number }>(
      `SELECT count(*)::int AS wrong FROM unnest($1::uuid[]) AS v(id)
       WHERE (SELECT count(*) FROM events.version_events e WHERE e.version_id = v.id AND e.type = 'CREATED') <> 1`,
      [[...storedIds]],
    );
    if (events[0]!.wrong > 0) broken.push(`${events[0]!.wrong} versions without exactly one CREATED event`);
    const { rows: gaps } = await db.query<{ records: number }>(
      `SELECT count(*)::int AS records FROM (
         SELECT 1 FROM planning.planning_phase_versions
         WHERE (cycle_id, report_id) IN (SELECT cycle_id, report_id FROM planning.planning_phase_versions WHERE data->>'intent' = ANY($1::text[]))
         GROUP BY cycle_id, report_id HAVING count(*) <> max(version_number) OR count(DISTINCT version_number) <> count(*)
       ) AS numbered`,
      [keys],
    );
    if (gaps[0]!.records > 0) broken.push(`${gaps[0]!.records} records whose version numbers do not run 1…n`);
    return {
      lost: writes.filter((write) => write.outcome.acknowledged && !storedIds.has(acknowledgedId(write)!)).length,
      storedTwice: versions.filter((version) => !version.named).length,
      storedUnacknowledged: writes.filter((write) => !write.outcome.acknowledged && storedIntents.has(write.key)).length,
      broken,
    };
  } finally {
    await db.end();
  }
}

/** A window's figures, as the table shows them. */
interface WindowResult {
  name: string;
  fault: Fault;
  writes: IntendedWrite[];
  seen: Map<string, number>;
  stored: Stored;
  report: FaultReport;
  /** From the fault's start to the first write acknowledged after it was dealt. */
  recoveryMs: number | null;
}

async function runWindow(name: string, fault: Fault, scene: Omit<FaultScene, 'writing'>, users: BenchUser[], steadyMs: number): Promise<WindowResult> {
  const { deployment } = scene;
  const writing = new WindowWriting(deployment.gatewayUrl, users);
  await delay(steadyMs / 2);
  const faultStarted = performance.now();
  const report = await fault.inject({ ...scene, writing });
  const front = deployment.front();
  await untilHealthy(front.process, new URL('/health', deployment.gatewayUrl).toString(), () => `its log: ${front.logFile}`);
  const recovered = await writing.untilAcknowledged(1, POLICY.writeBudgetMs);
  const recoveryMs = recovered ? performance.now() - faultStarted : null;
  await delay(steadyMs / 2);
  await writing.finish();
  const stored = await checkDatabase(deployment.databaseUrl, writing.writes);
  return { name, fault, writes: writing.writes, seen: writing.seen, stored, report, recoveryMs };
}

async function startDeployment(kind: DeploymentKind, postgres: ThrowawayPostgres): Promise<Deployment> {
  const databaseUrl = await createDatabase(postgres.serverUrl);
  const env = { JWT_SECRET, SUBGRAPH_SECRET, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
  if (kind === 'split') {
    const split = await startSplitStack(databaseUrl, env);
    return {
      kind,
      gatewayUrl: split.gatewayUrl,
      databaseUrl,
      front: () => split.gateway,
      replaceFront: async () => void (await split.startGateway()),
      split,
      stop: async () => void (await Promise.all(split.processes().map((child) => child.stop()))),
    };
  }
  // Every subgraph in the server's own process, whatever the calling shell has set.
  const oneProcess = { ...env, ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlVariable(name), ''])) };
  const port = await freePort();
  let server = await startOneProcessServer('one-process', databaseUrl, port, oneProcess);
  return {
    kind,
    gatewayUrl: server.gatewayUrl,
    databaseUrl,
    front: () => server.child,
    replaceFront: async () => void (server = await startOneProcessServer('one-process', databaseUrl, port, oneProcess)),
    stop: () => server.child.stop(),
  };
}

/** The windows to run, in order, from the command line (`split:baseline,one-process:rolling-restart`) or the default. */
function windowsToRun(): { name: string; deployment: DeploymentKind; fault: Fault }[] {
  const asked =
    process.argv[3] ??
    'split:baseline,split:subgraph-kill,split:postgres-restart,split:connections-terminated,split:rolling-restart,' +
      'one-process:postgres-restart,one-process:connections-terminated,one-process:rolling-restart';
  return asked.split(',').map((name) => {
    const [deployment, faultName] = name.split(':') as [string, string | undefined];
    const fault = faultName ? FAULTS[faultName] : undefined;
    if ((deployment !== 'split' && deployment !== 'one-process') || !fault || (fault.needs && fault.needs !== deployment)) {
      console.error(`usage: npm run bench -- faults [<split|one-process>:<${Object.keys(FAULTS).join('|')}>,…] (subgraph-kill needs split); got ${name}`);
      process.exit(2);
    }
    return { name, deployment, fault };
  });
}

function table(results: WindowResult[]): string {
  const rows = results.map(({ name, fault, writes, seen, stored }) => {
    const acknowledged = writes.filter((write) => write.outcome.acknowledged);
    const latencies = acknowledged.map((write) => write.outcome.elapsedMs);
    const retries = writes.reduce((sum, write) => sum + write.outcome.attempts.length - 1, 0);
    const cells = [
      stored.lost,
      stored.storedTwice,
      writes.length - acknowledged.length,
      seen.get('INTERNAL_SERVER_ERROR') ?? 0,
      seen.get('TIMED_OUT') ?? 0,
    ].map((count) => (count === 0 ? '0' : `**${count}**`));
    return `| ${name} | ${fault.description} | ${acknowledged.length} | ${cells.join(' | ')} | ${retries} | ${latencies.length ? `${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.99).toFixed(0)}` : '–'} |`;
  });
  return [
    '| window | fault | writes acknowledged | lost | stored twice | never acknowledged | INTERNAL_SERVER_ERROR | hung (> 10 s) | retries | latency p50 / p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function notes(results: WindowResult[]): string {
  return results
    .map(({ name, writes, seen, stored, report, recoveryMs }) => {
      const lines = [...report.notes];
      if (recoveryMs !== null && report.notes.length > 0) lines.push(`writes acknowledged again ${seconds(recoveryMs)} after the fault began`);
      if (stored.storedUnacknowledged > 0) lines.push(`${stored.storedUnacknowledged} writes never acknowledged were stored all the same`);
      const refused = writes.filter((write) => write.outcome.failure === 'REFUSED').length;
      if (refused > 0) lines.push(`${refused} writes refused with an error not worth retrying`);
      lines.push(
        seen.size ? `answers other than data: ${tally([...seen].flatMap(([code, count]) => Array<string>(count).fill(code)))}` : 'every answer was data',
      );
      const broken = [...report.broken, ...stored.broken];
      if (broken.length) lines.push(`**broken: ${broken.join('; ')}**`);
      return `- ${name}: ${lines.join('; ')}.`;
    })
    .join('\n');
}

/** The promises of issue 16's "Done when" that a run broke; none when it kept them all. */
function brokenPromises(results: WindowResult[]): string[] {
  return results.flatMap(({ name, writes, seen, stored, report }) => {
    const never = writes.filter((write) => !write.outcome.acknowledged).length;
    const counts: [string, number][] = [
      ['lost', stored.lost],
      ['stored twice', stored.storedTwice],
      ['never acknowledged', never],
      ['INTERNAL_SERVER_ERROR', seen.get('INTERNAL_SERVER_ERROR') ?? 0],
      ['hung', seen.get('TIMED_OUT') ?? 0],
    ];
    return [...counts.filter(([, count]) => count > 0).map(([what, count]) => `${what} ${count}`), ...report.broken, ...stored.broken].map(
      (broken) => `${name}: ${broken}`,
    );
  });
}

/** `ECONNREFUSED 3, SERVICE_UNAVAILABLE 12`: how often each code occurs, most frequent first. */
function tally(codes: string[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const windows = windowsToRun();
tearDownOnSignals();
try {
  console.log("Starting a PostgreSQL server of the benchmark's own…");
  const postgres = await startThrowawayPostgres();
  const machine = await machineLine(postgres.serverUrl);
  const users = Array.from({ length: WRITERS }, () => newUser('TESTER'));
  const steadyMs = (STEADY_SECONDS * 1000) / windows.length;
  const loadAverages = [os.loadavg()[0]!];
  const results: WindowResult[] = [];
  let deployment: Deployment | undefined;
  for (const window of windows) {
    if (deployment?.kind !== window.deployment) {
      await deployment?.stop();
      console.log(`Starting the ${window.deployment} deployment…`);
      deployment = await startDeployment(window.deployment, postgres);
    }
    console.log(`${window.name}: ${window.fault.description}…`);
    const result = await runWindow(window.name, window.fault, { deployment, postgres }, users, steadyMs);
    results.push(result);
    loadAverages.push(os.loadavg()[0]!);
    console.log(`${table([result]).split('\n').at(-1)}\n${notes([result])}`);
  }
  await deployment?.stop();
  const broken = brokenPromises(results);
  const section = [
    `## ${new Date().toISOString().slice(0, 10)} — npm run bench -- faults`,
    '',
    `${machine} A PostgreSQL server of the benchmark's own; ${WRITERS} writers creating Planning versions (5 items) ` +
      `${SHARED_RECORDS > 0 ? `on ${SHARED_RECORDS} records shared by all (new ones each window)` : 'each on a new record'}, ` +
      `a new idempotency key per intended write, retried with the same key (full-jitter backoff from ${POLICY.firstBackoffMs} ms up to ` +
      `${POLICY.maxBackoffMs} ms) after a lost connection, a timeout (${seconds(POLICY.requestDeadlineMs)}), an HTTP 5xx or a retryable error, ` +
      `for up to ${seconds(POLICY.writeBudgetMs)} per write. Each window: ${seconds(steadyMs / 2)} of writing, the fault, recovery, ` +
      `${seconds(steadyMs / 2)} more. Latency is per intended write, retries included. SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS}. ` +
      `1-minute load average during the run (ours included): ${Math.min(...loadAverages).toFixed(1)}–${Math.max(...loadAverages).toFixed(1)}.`,
    '',
    table(results),
    '',
    notes(results),
    '',
    broken.length ? `Issue 16's "Done when" is **not met**: ${broken.join('; ')}.` : `Issue 16's "Done when" is met: every figure that must be 0 is 0.`,
    '',
  ].join('\n');
  console.log(`\n${section}\nProcess logs: ${logDir}`);
  if (broken.length) process.exitCode = 1;
} catch (error) {
  console.error(error);
  console.error(`Process logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await teardown();
  // After a failure, the writers of the window it struck may still be retrying against the stopped servers: nothing
  // of theirs is worth waiting for.
  process.exit();
}
