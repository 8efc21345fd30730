// `npm run bench -- profile [dir]`: a CPU profile of the one-process stack (`node --cpu-prof`) under 15 s of load each
// of the versions list, createVersion and reportAttributes, written to dir (default: a new temporary folder), then
// summarised by bench/profile-summary.ts.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPH_NAMES } from '@phasegraph/kit';
import { measureHttp } from './support/load';
import { logDir, startOneProcessStack, tearDownOnSignals, teardown } from './support/processes';
import {
  JWT_SECRET,
  REPORT_ATTRIBUTES_QUERY,
  SUBGRAPH_SECRET,
  VERSIONS_QUERY,
  bearer,
  createVersionRequest,
  newRecord,
  newUser,
  seedLegacyAttributes,
  seedVersions,
  subgraphUrlVariable,
} from './support/workload';
import { summariseProfile } from './profile-summary';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const LOAD = { connections: 10, seconds: Number(process.env.BENCH_SECONDS ?? 15), warmUpSeconds: 0 };
const profileDir = process.argv[3] ? path.resolve(process.argv[3]) : mkdtempSync(path.join(os.tmpdir(), 'phasegraph-profile-'));

tearDownOnSignals();
try {
  mkdirSync(profileDir, { recursive: true });
  const { child: stack, gatewayUrl } = await startOneProcessStack(
    'profiled',
    SERVER_URL,
    { JWT_SECRET, SUBGRAPH_SECRET, ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlVariable(name), ''])) },
    ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  const tester = newUser('TESTER');
  const [versionsRecord, legacyRecord] = [newRecord(), newRecord()];
  await seedVersions(gatewayUrl, tester, versionsRecord, 20);
  await seedLegacyAttributes(gatewayUrl, tester, [legacyRecord], 24);
  for (const [name, body] of [
    ['versions(first: 20) with decisions and creator', { query: VERSIONS_QUERY, variables: versionsRecord }],
    ['createVersion, 5 items, a new record each', () => createVersionRequest()],
    ['reportAttributes, 24 rows', { query: REPORT_ATTRIBUTES_QUERY, variables: legacyRecord }],
  ] as const) {
    const run = await measureHttp({ url: gatewayUrl, headers: bearer(tester), body }, LOAD);
    console.log(`${name}: ${run.rps.toFixed(0)} rps, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.failures} failed`);
  }
  // SIGINT lets the stack stop itself; Node writes the profile as the process exits.
  await stack.stop('SIGINT');
  const pid = stack.process.pid;
  // One profile per thread: thread 0 is the main one (tsx's module loader thread writes its own).
  const profile = readdirSync(profileDir).find((file) => file.endsWith('.cpuprofile') && file.includes(`.${pid}.0.`));
  if (!profile) throw new Error(`no CPU profile of process ${pid} in ${profileDir}: did it exit cleanly? (${stack.logFile})`);
  console.log(`\n${summariseProfile(path.join(profileDir, profile))}\n\nProfile: ${path.join(profileDir, profile)}\nProcess log: ${logDir}`);
} catch (error) {
  console.error(error);
  console.error(`Process logs: ${logDir}`);
  process.exitCode = 1;
} finally {
  await teardown();
}
