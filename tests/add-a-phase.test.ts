// CONTRIBUTING.md's "Add a phase", followed in a temporary copy of the repository: a registry entry, `npm run generate`,
// a migration. Then the copy type-checks, starts, and serves the new phase through its gateway like any other.
// It runs in the PostgreSQL one-process pass only (the copy runs on its own embedded database either way).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { newRecord, newUser, type TestUser } from './support/api';
import { repositoryRoot, TEST_JWT_SECRET, TEST_SUBGRAPH_SECRET } from './support/stack';

const runHere = Boolean(process.env.DATABASE_URL) && process.env.PHASEGRAPH_TEST_DEPLOYMENT !== 'split';
const describeHere = runHere ? describe : describe.skip;

/** What the guide's step 1 adds to `subgraphs/kit/src/phases.ts`. */
const REGISTRY_ENTRY = `
  REMEDIATION: full({
    name: 'REMEDIATION',
    displayName: 'Remediation',
    summary: 'the fixes agreed for the findings',
    subgraph: 'remediation',
    fieldPrefix: 'remediation',
    approverRole: 'REPORT_OWNER',
    versionType: 'RemediationVersion',
    decisionType: 'RemediationDecision',
    descriptions: {
      version: 'A version of the fixes agreed for the findings on a report. Approved by an owner of the report.',
      data: 'The remediation plan of this version.',
      decisions: 'The decisions on the fixes in this version.',
      item: 'The fix decided on (a UUID, stable across versions).',
    },
    versions: (db) => db.remediationVersion,
    decisions: (db) => db.remediationDecision,
  }),
`;

/**
 * A copy of the checkout. Its installed dependencies are hard links to this checkout's (quick, and npm sees a
 * complete install), but for the files npm rewrites in place.
 */
function copyCheckout(): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-add-a-phase-'));
  const skipped = new Set(['node_modules', '.git', '.turbo', '.tsbuild', '.phasegraph-data', 'generated']);
  cpSync(repositoryRoot, copy, { recursive: true, filter: (source) => !skipped.has(path.basename(source)) });
  for (const modules of ['node_modules', 'prisma/node_modules']) {
    if (!existsSync(path.join(repositoryRoot, modules))) continue;
    const linked = spawnSync('cp', ['-al', path.join(repositoryRoot, modules), path.join(copy, modules)], { encoding: 'utf8' });
    if (linked.status !== 0) throw new Error(`cp -al ${modules}: ${linked.stderr}`);
  }
  const hiddenLock = path.join(copy, 'node_modules/.package-lock.json');
  if (existsSync(hiddenLock)) {
    const content = readFileSync(hiddenLock);
    rmSync(hiddenLock);
    writeFileSync(hiddenLock, content);
  }
  return copy;
}

function run(copy: string, command: string, args: string[]): string {
  const env = { ...process.env, DATABASE_URL: '', CHECKPOINT_DISABLE: '1', TURBO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn' };
  const result = spawnSync(command, args, { cwd: copy, env, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output}`);
  return output;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Resolves once `/health` answers 200, asking again after each refusal; rejects with the log if the process exits. */
async function healthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`the copy's gateway exited (${exited}):\n${log()}`);
    const answer = await fetch(url).catch(() => null);
    if (answer?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the interval between two polls, not a wait for an outcome
  }
}

describeHere('adding a phase, as CONTRIBUTING.md says', () => {
  let copy: string;
  let gateway: ChildProcess | undefined;

  afterAll(() => {
    gateway?.kill('SIGTERM');
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('takes a registry entry, `npm run generate` and a migration; the new phase then works end to end', async () => {
    copy = copyCheckout();

    // 1. A registry entry.
    const registryFile = path.join(copy, 'subgraphs/kit/src/phases.ts');
    const registry = readFileSync(registryFile, 'utf8')
      .replace("  'OBSERVATION_MANAGEMENT',\n] as const;", "  'OBSERVATION_MANAGEMENT',\n  'REMEDIATION',\n] as const;")
      .replace('} as const satisfies Record<PhaseName, Phase>;', `${REGISTRY_ENTRY}} as const satisfies Record<PhaseName, Phase>;`);
    expect(registry).toContain("'REMEDIATION',\n] as const;");
    writeFileSync(registryFile, registry);

    // 2. The generate command.
    const generated = run(copy, 'npm', ['run', 'generate']);
    expect(generated).toContain('subgraphs/remediation/index.ts');
    expect(generated).toMatch(/Other changes for clients[\s\S]*REMEDIATION/);
    expect(generated).not.toContain('BREAKING');
    expect(readFileSync(path.join(copy, 'package-lock.json'), 'utf8')).toContain('"subgraphs/remediation"');

    // 3. A migration.
    expect(run(copy, 'npm', ['run', 'db:diff', '--', '--create', 'add_remediation'])).toMatch(/Wrote .*add_remediation/);
    const migration = readdirSync(path.join(copy, 'prisma/migrations')).find((name) => name.endsWith('_add_remediation'))!;
    expect(readFileSync(path.join(copy, 'prisma/migrations', migration, 'migration.sql'), 'utf8')).toContain('"remediation"."remediation_versions"');

    // Nothing else was touched by hand, and everything type-checks and stays in step.
    run(copy, 'npx', ['tsc', '--build', 'subgraphs/remediation', 'gateway']);
    expect(run(copy, process.execPath, ['--import', 'tsx', 'schema/generate.ts', '--check'])).toContain('up to date');
    expect(readFileSync(path.join(copy, 'docker-compose.yml'), 'utf8')).toContain("'subgraphs/kit/src/main.ts', 'remediation'");

    // The copy runs, on its own embedded database, and serves the new phase.
    const port = await freePort();
    let log = '';
    gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: copy,
      env: {
        ...process.env,
        DATABASE_URL: '',
        PORT: String(port),
        PHASEGRAPH_DATA_DIR: path.join(copy, '.phasegraph-data'),
        JWT_SECRET: TEST_JWT_SECRET,
        SUBGRAPH_SECRET: TEST_SUBGRAPH_SECRET,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
    });
    gateway.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    gateway.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await healthy(`http://127.0.0.1:${port}/health`, gateway, () => log);

    const url = `http://127.0.0.1:${port}/graphql`;
    const call = async (query: string, variables: Record<string, unknown>, user: TestUser) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!;
    };
    const { cycleId, reportId } = newRecord();
    const [tester, owner, admin] = [newUser('TESTER'), newUser('REPORT_OWNER'), newUser('ADMIN')];
    await call('{ me { id } }', {}, owner);
    await call(
      'mutation ($reportId: ID!, $userId: ID!) { assignReportOwner(reportId: $reportId, userId: $userId) { id } }',
      { reportId, userId: owner.id },
      admin,
    );

    const phases = await call('{ phases { name versioningType approverRole } }', {}, tester);
    expect(phases.phases).toContainEqual({ name: 'REMEDIATION', versioningType: 'FULL', approverRole: 'REPORT_OWNER' });
    const created = await call(
      'mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id ... on RemediationVersion { versionNumber status decisions { itemId status } } } }',
      { input: { phase: 'REMEDIATION', cycleId, reportId, data: { plan: 'patch' }, items: [{ itemId: cycleId, itemData: { fix: 1 } }] } },
      tester,
    );
    expect(created.createVersion).toMatchObject({ versionNumber: 1, status: 'DRAFT', decisions: [{ itemId: cycleId, status: 'PENDING' }] });
    await call('mutation ($id: ID!) { approveVersion(phase: REMEDIATION, versionId: $id) { id } }', { id: created.createVersion.id }, owner);
    const current = await call(
      'query ($cycleId: ID!, $reportId: ID!) { currentVersion(phase: REMEDIATION, cycleId: $cycleId, reportId: $reportId) { id ... on Version { status } } }',
      { cycleId, reportId },
      tester,
    );
    expect(current.currentVersion).toEqual({ id: created.createVersion.id, status: 'APPROVED' });
  }, 600_000); // a copy, an install, a type-check and a start on a shared machine: a guard against a hang, not a wait
});
