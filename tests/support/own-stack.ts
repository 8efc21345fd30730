// A stack of a suite's own, beside the shared one, for what needs its own configuration (tracing to the suite's OTLP
// receiver, request logs at info, METRICS_PORT): a gateway running every subgraph in process, as `npm start` does,
// optionally with the planning subgraph in a process of its own (PostgreSQL only) so that a call crosses HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stack } from './api';
import {
  TEST_JWT_SECRET,
  TEST_SUBGRAPH_SECRET,
  freePort,
  recordOutput,
  repositoryRoot,
  stopChild,
  subgraphUrlVariable,
  untilHealthy,
  type RecordedOutput,
} from './stack';

export interface OwnStack {
  /** The gateway's GraphQL URL. */
  url: string;
  /** Everything the gateway process wrote (its banner and its log lines). */
  output: RecordedOutput;
  /** Everything the planning subgraph's own process wrote, when it has one. */
  planningOutput: RecordedOutput | undefined;
  stop(): Promise<void>;
}

export interface OwnStackOptions {
  /** Added to (or overriding) the environment every process of the stack gets. */
  env: Record<string, string>;
  /** Serve the planning subgraph from a process of its own, called over HTTP (needs PostgreSQL). */
  planningElsewhere?: boolean;
}

/** Starts the stack on the shared stack's database (PostgreSQL), or on an embedded database of its own. */
export async function startOwnStack(options: OwnStackOptions): Promise<OwnStack> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-own-stack-'));
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl ?? '',
    PHASEGRAPH_DATA_DIR: path.join(workDir, 'data'),
    JWT_SECRET: TEST_JWT_SECRET,
    SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    ...options.env,
  };
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    let planningOutput: RecordedOutput | undefined;
    if (options.planningElsewhere) {
      if (!stack.databaseUrl) throw new Error('a subgraph in its own process needs the stack on PostgreSQL');
      const port = await freePort();
      // The shared stack's identity subgraph: the same database, and already listening.
      const planning = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/kit/src/main.ts', 'planning'], {
        cwd: repositoryRoot,
        env: { ...env, PORT: String(port), [subgraphUrlVariable('identity')]: stack.subgraphUrls.identity },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(planning);
      planningOutput = recordOutput(planning, 'both');
      await untilHealthy(planning, `http://127.0.0.1:${port}/health`, planningOutput.text);
      env[subgraphUrlVariable('planning')] = `http://127.0.0.1:${port}/graphql`;
    }
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    const gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: repositoryRoot,
      env: { ...env, PORT: new URL(url).port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(gateway);
    const output = recordOutput(gateway, 'both');
    await untilHealthy(gateway, new URL('/health', url).toString(), output.text);
    return { url, output, planningOutput, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
