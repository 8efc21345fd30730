// What the comparison benchmarks start and must stop again: throw-away PostgreSQL databases and child processes
// (subgraphs, gateways), each logging to a file, all torn down by one `teardown()` even on failure or Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminQuery, repositoryRoot } from '../../tests/support/stack';

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
  /** Sends `signal` (SIGTERM), SIGKILL after 10 s; resolves once it has exited. Safe to call again. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** Node flags before the script, e.g. --cpu-prof; `--import tsx` is always added. */
  nodeFlags?: string[];
  args?: string[];
  env: Record<string, string>;
  /** The process is up once its output (stdout and stderr together) matches this. */
  readyWhen: RegExp;
}

/**
 * Starts `node --import tsx <script>` from the repository root and resolves once its output matches `readyWhen`
 * (rejects, with the log's tail, if it exits first or takes over 120 s). Stopped at teardown.
 */
export async function startNode(name: string, script: string, options: StartOptions): Promise<Child> {
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: repositoryRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not start within 120 s'), 120_000);
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`${name} ${reason}; its output (${logFile}) ends:\n${output.slice(-3000)}`));
    };
    const watch = (chunk: Buffer, isStdout: boolean) => {
      log.write(chunk);
      if (isStdout) stdout += chunk.toString();
      if (output.length < 1_000_000) output += chunk.toString();
      if (options.readyWhen.test(output)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => fail(`exited (code ${code})`);
    child.stdout!.on('data', (chunk: Buffer) => watch(chunk, true));
    child.stderr!.on('data', (chunk: Buffer) => watch(chunk, false));
    child.once('exit', onExit);
  });
  return { name, process: child, logFile, stdout: () => stdout, stop };
}

/** Resolves once `url` answers 200: the process said it is up, this confirms it serves (the gateway checks its subgraphs). */
export async function waitForHealth(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    // The gateway answers 503 until every subgraph it calls answers; retry soon.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

/** `npm start` on a fresh database of `serverUrl`: the gateway and every subgraph in one process, ready. */
export async function startOneProcessStack(
  name: string,
  serverUrl: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<{ child: Child; databaseUrl: string; gatewayUrl: string; subgraphUrl(subgraph: string): string }> {
  const databaseUrl = await createDatabase(serverUrl);
  const child = await startNode(name, 'gateway/src/main.ts', {
    nodeFlags,
    env: { ...env, PORT: String(await freePort()), DATABASE_URL: databaseUrl, NODE_ENV: 'production', LOG_LEVEL: 'info' },
    // The banner lists every subgraph; compat comes last.
    readyWhen: /ready at http[\s\S]*compat subgraph: http\S+\s/,
  });
  const gatewayUrl = /ready at (http\S+)/.exec(child.stdout())![1]!;
  await waitForHealth(new URL('/health', gatewayUrl).toString());
  return { child, databaseUrl, gatewayUrl, subgraphUrl: (subgraph) => new RegExp(`${subgraph} subgraph: (http\\S+)`).exec(child.stdout())![1]! };
}
