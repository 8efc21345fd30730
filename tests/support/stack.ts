// Starting and stopping the real phasegraph stack for the test run, on a fresh database: `tsx gateway/src/main.ts`
// as a child process, exactly as `npm start` runs it, or with PHASEGRAPH_TEST_DEPLOYMENT=split (PostgreSQL only) as
// the split deployment runs it: each subgraph its own process, the gateway calling them over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';

export const TEST_JWT_SECRET = 'phasegraph-test-jwt-secret-0123456789';
export const TEST_SUBGRAPH_SECRET = 'phasegraph-test-subgraph-secret-0123456789';
/** The one browser origin the test stack allows (CORS_ORIGINS). */
export const TEST_APP_ORIGIN = 'http://app.phasegraph.test';
export const repositoryRoot = findRepositoryRoot(process.cwd());

/** The folder holding turbo.json, from `start` upwards (Jest runs as CommonJS and the bench as ESM: no __dirname in both). */
function findRepositoryRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'turbo.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no phasegraph checkout above ${start}`);
  }
}

/** What the suites learn about the running stack, through the environment. */
export interface StackInfo {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  /** The test run's own PostgreSQL database, when on PostgreSQL. */
  databaseUrl?: string;
  /** One process (as `npm start`), or each subgraph its own process. */
  deployment: 'one-process' | 'split';
  /** The file every process of the stack logs to (JSON lines), for suites that check what was logged. */
  logFile: string;
}

interface RunningStack {
  info: StackInfo;
  child: ChildProcess;
  cleanup: () => Promise<void>;
}

/** Every subgraph the split deployment runs as its own process: each folder of subgraphs/ but the kit. */
const SUBGRAPH_NAMES = readdirSync(path.join(repositoryRoot, 'subgraphs')).filter((name) => name !== 'kit');

export async function startTestStack(): Promise<RunningStack> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-test-'));
  const split = process.env.PHASEGRAPH_TEST_DEPLOYMENT === 'split';
  if (split && !process.env.DATABASE_URL) throw new Error('PHASEGRAPH_TEST_DEPLOYMENT=split needs DATABASE_URL: processes cannot share the embedded database.');
  const { databaseUrl, dropDatabase } = await createTestDatabase();
  const logFile = path.join(workDir, 'stack.log');
  const log = openSync(logFile, 'a');
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl ?? '',
    PHASEGRAPH_DATA_DIR: path.join(workDir, 'data'),
    JWT_SECRET: TEST_JWT_SECRET,
    SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
    LOG_LEVEL: 'warn',
    REPORT_SQL_STATEMENTS: '1',
    CORS_ORIGINS: TEST_APP_ORIGIN,
    // Expired idempotency keys are forgotten within seconds, so that a test can see it happen.
    IDEMPOTENCY_KEY_SWEEP_MS: '2000',
    NODE_ENV: 'test',
  };
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    await Promise.all(children.map(stopChild));
    await dropDatabase();
    // PHASEGRAPH_TEST_KEEP=1 keeps the stack's log (and embedded data) for a look after the run.
    if (process.env.PHASEGRAPH_TEST_KEEP) console.log(`\nThe stack's log and data are kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  try {
    /** Where each subgraph runs, when it runs in its own process. */
    let elsewhere: Record<string, string> | undefined;
    if (split) {
      // Migrate first (a gateway with every subgraph elsewhere migrates nothing), then start every subgraph.
      await runToEnd(spawn(process.execPath, ['--import', 'tsx', 'prisma/scripts/migrate.ts'], { cwd: repositoryRoot, env, stdio: ['ignore', log, log] }));
      const ports = await Promise.all(SUBGRAPH_NAMES.map(() => freePort()));
      elsewhere = Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, `http://127.0.0.1:${ports[i]}/graphql`]));
      Object.assign(env, Object.fromEntries(Object.entries(elsewhere).map(([name, url]) => [subgraphUrlVariable(name), url])));
      for (const [i, name] of SUBGRAPH_NAMES.entries()) {
        children.push(
          spawn(process.execPath, ['--import', 'tsx', 'subgraphs/kit/src/main.ts', name], {
            cwd: repositoryRoot,
            env: { ...env, PORT: String(ports[i]) },
            stdio: ['ignore', log, log],
          }),
        );
      }
      await Promise.all(children.map((child, i) => untilHealthy(child, `http://127.0.0.1:${ports[i]}/health`, () => readFileSync(logFile, 'utf8'))));
    }
    // PHASEGRAPH_PROFILE_DIR (benchmarks): the gateway process writes a CPU profile there when it stops.
    const profile = process.env.PHASEGRAPH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PHASEGRAPH_PROFILE_DIR}`] : [];
    const gatewayUrl = `http://127.0.0.1:${await freePort()}/graphql`;
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: repositoryRoot,
      env: { ...env, HOST: '127.0.0.1', PORT: new URL(gatewayUrl).port },
      stdio: ['ignore', 'pipe', log],
    });
    children.push(child);
    const stdout = recordOutput(child);
    await untilHealthy(child, new URL('/health', gatewayUrl).toString(), () => `${stdout.text()}\n--- log ---\n${readFileSync(logFile, 'utf8')}`);
    // Where the subgraphs it serves in process listen is the gateway's choice (any free port), told in the banner it
    // prints once ready; the split deployment's are known already.
    const subgraphUrls = elsewhere ?? (await stdout.until(subgraphUrlsListedIn));
    return { info: { gatewayUrl, subgraphUrls, databaseUrl, deployment: split ? 'split' : 'one-process', logFile }, child, cleanup };
  } catch (error) {
    // A stack that failed to start leaves nothing running behind it.
    await cleanup();
    throw error;
  }
}

/** Another gateway process in front of the running stack's subgraphs and database (PostgreSQL only). */
export interface ExtraGateway {
  url: string;
  /** What it has written so far (its log lines), and a way to wait for a line. */
  output: RecordedOutput;
  /** Stops it (SIGTERM) and resolves with its exit code once it has exited (null when a signal ended it). */
  stop(): Promise<number | null>;
}

/** Starts another gateway, on `port` when given (e.g. to restart one where its clients expect it). */
export async function startExtraGateway(info: StackInfo, port?: number, extraEnv: Record<string, string> = {}): Promise<ExtraGateway> {
  if (!info.databaseUrl) throw new Error('another gateway needs the stack on PostgreSQL');
  const urls = Object.fromEntries(Object.entries(info.subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));
  const url = `http://127.0.0.1:${port ?? (await freePort())}/graphql`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ...urls,
      HOST: '127.0.0.1',
      PORT: new URL(url).port,
      DATABASE_URL: info.databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = recordOutput(child, 'both');
  await untilHealthy(child, new URL('/health', url).toString(), output.text);
  return { url, output, stop: () => stopChild(child) };
}

/** Runs one statement on `serverUrl`'s server outside any pool (creating and dropping databases). */
export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database on DATABASE_URL's server, or none (PGlite) when DATABASE_URL is unset. */
async function createTestDatabase(): Promise<{ databaseUrl?: string; dropDatabase: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { dropDatabase: async () => {} };
  const name = `phasegraph_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = (sql: string) => adminQuery(serverUrl, sql);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), dropDatabase: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A port free on the loopback interface now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment that makes another gateway (startExtraGateway) run every subgraph in its own process. */
export function oneProcessEnv(info: StackInfo): Record<string, string> {
  return Object.fromEntries(Object.keys(info.subgraphUrls).map((name) => [subgraphUrlVariable(name), '']));
}

/** The variable that tells a process where `subgraph` runs, e.g. DATA_OWNER_ID_SUBGRAPH_URL. */
export function subgraphUrlVariable(subgraph: string): string {
  return `${subgraph.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`;
}

/** Every subgraph's URL from the gateway's banner, once it lists them all. */
export function subgraphUrlsListedIn(banner: string): Record<string, string> | undefined {
  const listed = Object.fromEntries([...banner.matchAll(/^\s+(\S+) subgraph: (http\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
  return SUBGRAPH_NAMES.every((name) => name in listed) ? listed : undefined;
}

/** Between two looks at a /health that did not answer 200 yet. */
const HEALTH_POLL_MS = 100;

/**
 * Resolves once `url` answers 200: the process's own word that it is ready (a subgraph's once it can serve; the
 * gateway's once every subgraph answers so and its start-up is done). Asked again until then; rejects with the
 * process's `log` as soon as it exits first.
 */
export async function untilHealthy(child: ChildProcess, url: string, log: () => string): Promise<void> {
  const requests = new AbortController();
  const exit = exitOf(child, () => `${child.spawnargs.slice(-2).join(' ')} exited before ${url} answered 200`, log);
  try {
    while (!(await Promise.race([answersOk(url, requests.signal), exit.promise]))) await Promise.race([delay(HEALTH_POLL_MS), exit.promise]);
  } finally {
    exit.forget();
    requests.abort();
  }
}

async function answersOk(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, { signal });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** A promise that rejects, with the process's log, when `child` exits (or at once if it has); `forget` stops watching. */
function exitOf(child: ChildProcess, what: () => string, log: () => string): { promise: Promise<never>; forget: () => void } {
  let onExit = () => {};
  const promise = new Promise<never>((_resolve, reject) => {
    onExit = () => reject(new Error(`${what()} (${child.signalCode ?? `code ${child.exitCode}`}); its output:\n${log()}`));
    if (child.exitCode !== null || child.signalCode !== null) onExit();
    else child.once('exit', onExit);
  });
  return { promise, forget: () => child.off('exit', onExit) };
}

/** What a child writes to its piped stdout (or stdout and stderr), kept as it arrives. */
export interface RecordedOutput {
  text(): string;
  /** Resolves with what `read` finds in the output, once it finds something; rejects if the process exits first. */
  until<T>(read: (text: string) => T | undefined): Promise<T>;
}

export function recordOutput(child: ChildProcess, streams: 'stdout' | 'both' = 'stdout'): RecordedOutput {
  let text = '';
  const readers = new Set<() => void>();
  const record = (chunk: Buffer) => {
    text += chunk.toString();
    for (const reader of readers) reader();
  };
  child.stdout!.on('data', record);
  if (streams === 'both') child.stderr!.on('data', record);
  return {
    text: () => text,
    until<T>(read: (text: string) => T | undefined): Promise<T> {
      const exit = exitOf(
        child,
        () => `${child.spawnargs.slice(-2).join(' ')} exited before it wrote what was expected`,
        () => text,
      );
      return new Promise<T>((resolve, reject) => {
        const look = () => {
          const found = read(text);
          if (found === undefined) return;
          readers.delete(look);
          exit.forget();
          resolve(found);
        };
        exit.promise.catch((error: unknown) => {
          readers.delete(look);
          reject(error);
        });
        readers.add(look);
        look();
      });
    },
  };
}

/** Resolves when `child` exits with code 0; rejects otherwise. */
function runToEnd(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${child.spawnargs.join(' ')} exited with code ${code}`)))),
  );
}

/** Stops `child` (SIGTERM, SIGKILL after a minute) and resolves with its exit code. */
export async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(forced);
  return code;
}
