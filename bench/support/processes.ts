// What the benchmarks start and must stop again: throw-away PostgreSQL databases and child processes (subgraphs,
// gateways), each logging to a file, all torn down by one `teardown()` even on failure or Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '@phasegraph/db';
import { SUBGRAPH_NAMES } from '@phasegraph/kit';
import { adminQuery, recordOutput, repositoryRoot, subgraphUrlsListedIn, untilHealthy } from '../../tests/support/stack';
import { subgraphUrlVariable } from './workload';

/** Clean-ups still to run, newest first: stopping a process before dropping the database it uses. */
const cleanups: (() => Promise<void>)[] = [];
/** Where every child's output goes: one log file per process, kept after the run for a look. */
export const logDir = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-bench-'));

/** Registers `cleanup` to run at teardown, before everything registered earlier. */
export function onTeardown(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Runs every registered clean-up (each once, newest first); failures are reported, not thrown. */
export async function teardown(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    await cleanup().catch((error: unknown) => console.error(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/**
 * Ctrl-C or a kill tears everything down before the process ends. The signal often comes twice (the terminal sends
 * Ctrl-C to the whole process group and tsx relays it to us again), so a repeat is ignored while tearing down.
 */
export function tearDownOnSignals(): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${signal}: stopping every process and dropping the benchmark's databases…`);
      void teardown().finally(() => process.exit(130));
    });
  }
}

/** A fresh database on `serverUrl`'s server, dropped at teardown. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `phasegraph_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  cleanups.push(() => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A TCP port nothing listens on right now (the subgraphs must know each other's URLs before any starts). */
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

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Resolves with what `read` finds in its stdout, once it finds something; rejects if the process exits first. */
  untilStdout<T>(read: (stdout: string) => T | undefined): Promise<T>;
  /** Resolves once the process has exited, with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGTERM), SIGKILL after 10 s; resolves once it has exited. Safe to call again. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** Node flags before the script, e.g. --cpu-prof; `--import tsx` is always added. */
  nodeFlags?: string[];
  args?: string[];
  env: Record<string, string>;
  /** The process is up once this answers 200: its /health. */
  healthUrl: string;
  /** The checkout to run it from (another commit, as a reference); this repository by default. */
  cwd?: string;
}

/** How much of a process's output a failure to start quotes. */
const OUTPUT_QUOTED = 3_000;

/**
 * Starts `node --import tsx <script>` from the repository root and resolves once its health URL answers 200
 * (rejects, with the end of its output, as soon as it exits first). Stopped at teardown. A process started again
 * under the same name (a restart) appends to the same log.
 */
export async function startNode(name: string, script: string, options: StartOptions): Promise<Child> {
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: options.cwd ?? repositoryRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = recordOutput(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-OUTPUT_QUOTED);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stopped: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(forced);
      }
      await new Promise((resolve) => log.end(resolve));
    })());
  cleanups.push(stop);
  await untilHealthy(child, options.healthUrl, () => `${name}'s output (${logFile}) ends:\n${tail}`);
  return { name, process: child, logFile, stdout: stdout.text, untilStdout: stdout.until, exited, stop };
}

/** `npm start` on a fresh database of `serverUrl`: the gateway and every subgraph in one process, ready. */
export async function startOneProcessStack(
  name: string,
  serverUrl: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
  cwd?: string,
): Promise<OneProcessServer & { databaseUrl: string }> {
  const databaseUrl = await createDatabase(serverUrl);
  return { ...(await startOneProcessServer(name, databaseUrl, await freePort(), env, nodeFlags, cwd)), databaseUrl };
}

export interface OneProcessServer {
  child: Child;
  gatewayUrl: string;
  subgraphUrl(subgraph: string): string;
}

/**
 * `npm start` on `databaseUrl` (migrated at its start), listening on `port`: the gateway and every subgraph in one
 * process, ready. Also the replacement of one that stopped, where its clients expect it.
 */
export async function startOneProcessServer(
  name: string,
  databaseUrl: string,
  port: number,
  env: Record<string, string>,
  nodeFlags: string[] = [],
  cwd?: string,
): Promise<OneProcessServer> {
  const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  const child = await startNode(name, 'gateway/src/main.ts', {
    nodeFlags,
    cwd,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: databaseUrl, NODE_ENV: 'production', LOG_LEVEL: 'info' },
    healthUrl: new URL('/health', gatewayUrl).toString(),
  });
  // The subgraphs it serves in process listen where it chose; the banner it prints once ready says where.
  const subgraphUrls = await child.untilStdout(subgraphUrlsListedIn);
  return {
    child,
    gatewayUrl,
    subgraphUrl: (subgraph) => subgraphUrls[subgraph] ?? fail(`the gateway serves no ${subgraph} subgraph`),
  };
}

/** The split deployment: each subgraph its own process, and a gateway in front embedding none of them. */
export interface SplitStack {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  /** What every process of the deployment is started with: the database, the secrets, where each subgraph runs. */
  env: Record<string, string>;
  /** The running gateway process (replaced by startGateway). */
  gateway: Child;
  /** The running process of each subgraph, by name (replaced by startSubgraph). */
  subgraphs: Record<string, Child>;
  /** Starts subgraph `name` (again) on its port, ready once its /health answers 200. */
  startSubgraph(name: string): Promise<Child>;
  /** Starts the gateway (again) on its port, ready once its /health answers 200. */
  startGateway(): Promise<Child>;
  /** Every process of the deployment, gateway first. */
  processes(): Child[];
}

/** Migrates `databaseUrl`, starts every subgraph in its own process, then the gateway; resolves once all are ready. */
export async function startSplitStack(databaseUrl: string, env: Record<string, string>): Promise<SplitStack> {
  // A gateway with every subgraph elsewhere migrates nothing, nor does a subgraph: the deployment migrates first.
  const database = openDatabase({ url: databaseUrl });
  await database.migrate();
  await database.close();
  const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const)));
  const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`]));
  const common = {
    ...env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlVariable(name), subgraphUrls[name]!])),
  };
  const subgraphs: Record<string, Child> = {};
  const startSubgraph = async (name: string) => {
    const port = ports[name] ?? fail(`there is no ${name} subgraph`);
    const child = await startNode(name, 'subgraphs/kit/src/main.ts', {
      args: [name],
      env: { ...common, PORT: String(port) },
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
    subgraphs[name] = child;
    return child;
  };
  await Promise.all(SUBGRAPH_NAMES.map(startSubgraph));
  const gatewayPort = await freePort();
  const gatewayProcess = () =>
    startNode('gateway', 'gateway/src/main.ts', {
      env: { ...common, HOST: '127.0.0.1', PORT: String(gatewayPort) },
      healthUrl: `http://127.0.0.1:${gatewayPort}/health`,
    });
  const stack: SplitStack = {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    subgraphUrls,
    env: common,
    gateway: await gatewayProcess(),
    subgraphs,
    startSubgraph,
    startGateway: async () => (stack.gateway = await gatewayProcess()),
    processes: () => [stack.gateway, ...Object.values(subgraphs)],
  };
  return stack;
}

function fail(message: string): never {
  throw new Error(message);
}
