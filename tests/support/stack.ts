// Starting and stopping the real phasegraph stack for the test run, on a fresh database: `tsx gateway/src/main.ts`
// as a child process, exactly as `npm start` runs it, or with PHASEGRAPH_TEST_DEPLOYMENT=split (PostgreSQL only) as
// the split deployment runs it: each subgraph its own process, the gateway calling them over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
    NODE_ENV: 'test',
  };
  const children: ChildProcess[] = [];
  if (split) {
    // Migrate first (a gateway with every subgraph elsewhere migrates nothing), then start every subgraph.
    await runToEnd(spawn(process.execPath, ['--import', 'tsx', 'prisma/scripts/migrate.ts'], { cwd: repositoryRoot, env, stdio: ['ignore', log, log] }));
    const ports = await Promise.all(SUBGRAPH_NAMES.map(() => freePort()));
    const urls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`, `http://127.0.0.1:${ports[i]}/graphql`]),
    );
    Object.assign(env, urls);
    for (const [i, name] of SUBGRAPH_NAMES.entries()) {
      children.push(
        spawn(process.execPath, ['--import', 'tsx', 'subgraphs/kit/src/main.ts', name], {
          cwd: repositoryRoot,
          env: { ...env, PORT: String(ports[i]) },
          stdio: ['ignore', log, log],
        }),
      );
    }
    await Promise.all(Object.values(urls).map((url) => waitForHealth(new URL('/health', url).toString())));
  }
  // PHASEGRAPH_PROFILE_DIR (benchmarks): the gateway process writes a CPU profile there when it stops.
  const profile = process.env.PHASEGRAPH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PHASEGRAPH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: repositoryRoot,
    env: { ...env, PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', log],
  });
  children.push(child);
  const stdout = await readUntilReady(child, () => readFileSync(logFile, 'utf8'));
  const gatewayUrl = /ready at (http\S+)/.exec(stdout)![1]!;
  const subgraphUrls = Object.fromEntries([...stdout.matchAll(/^\s+(\S+) subgraph: (http\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
  await waitForHealth(new URL('/health', gatewayUrl).toString());
  return {
    info: { gatewayUrl, subgraphUrls, databaseUrl, deployment: split ? 'split' : 'one-process', logFile },
    child,
    cleanup: async () => {
      await Promise.all(children.map(stopChild));
      await dropDatabase();
      // PHASEGRAPH_TEST_KEEP=1 keeps the stack's log (and embedded data) for a look after the run.
      if (process.env.PHASEGRAPH_TEST_KEEP) console.log(`\nThe stack's log and data are kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Another gateway process in front of the running stack's subgraphs and database (PostgreSQL only). */
export interface ExtraGateway {
  url: string;
  /** Stops it (SIGTERM) and resolves with its exit code once it has exited (null when a signal ended it). */
  stop(): Promise<number | null>;
}

/** Starts another gateway, on `port` when given (e.g. to restart one where its clients expect it). */
export async function startExtraGateway(info: StackInfo, port?: number, extraEnv: Record<string, string> = {}): Promise<ExtraGateway> {
  if (!info.databaseUrl) throw new Error('another gateway needs the stack on PostgreSQL');
  const urls = Object.fromEntries(Object.entries(info.subgraphUrls).map(([name, url]) => [`${name.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`, url]));
  const logs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ...urls,
      PORT: String(port ?? (await freePort())),
      DATABASE_URL: info.databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const stdout = await readUntilReady(child, () => logs.join(''));
  const url = /ready at (http\S+)/.exec(stdout)![1]!;
  await waitForHealth(new URL('/health', url).toString());
  return { url, stop: () => stopChild(child) };
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The child's stdout up to and including its list of subgraphs; fails with its log if it exits or stalls. */
function readUntilReady(child: ChildProcess, readLog: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('the stack did not start within 120 s')), 120_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n--- stdout ---\n${output}\n--- log ---\n${readLog()}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready at/.test(output) && /Demo users|Subgraphs[\s\S]*observation-management subgraph: \S+\n/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => fail(new Error(`the stack exited with code ${code}`)));
  });
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered 200`);
}

/** Resolves when `child` exits with code 0; rejects otherwise. */
function runToEnd(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${child.spawnargs.join(' ')} exited with code ${code}`)))),
  );
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(forced);
  return code;
}
