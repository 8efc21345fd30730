// The checked-in artefacts stay true to the code: the composed supergraph and the possible types frontends take from it,
// the files the phase registry generates, the typed documents and the committed migrations.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot } from './support/stack';

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** One `compose --check` answers for the supergraph and the possible types alike; it takes seconds, so it runs once. */
let composeCheck: ReturnType<typeof run> | undefined;
const checkComposed = () => (composeCheck ??= run('schema/compose.ts', '--check'));

describe('checked-in schema artefacts', () => {
  it('schema/supergraph.graphql is what the subgraphs compose to now', () => {
    // Each file's own verdict: the exit code is 1 when either is stale.
    expect(checkComposed().output).toContain('schema/supergraph.graphql is up to date');
  });

  it("schema/possible-types.json is Apollo Client's possibleTypes for the supergraph now, exported as @phasegraph/schema/possible-types.json", () => {
    expect(checkComposed().output).toContain('schema/possible-types.json is up to date');
    expect(require.resolve('@phasegraph/schema/possible-types.json')).toBe(path.join(repositoryRoot, 'schema', 'possible-types.json'));
  });

  it('every file the phase registry generates is what it generates now', () => {
    const { status, output } = run('schema/generate.ts', '--check');
    expect(output).toContain('up to date');
    expect(status).toBe(0);
  });

  it('the typed documents in subgraphs/kit/src/typed-documents are what `npm run codegen` generates now', () => {
    const { status, output } = run('schema/codegen.ts', '--check');
    expect(output).toContain('up to date');
    expect(status).toBe(0);
  });

  it('the committed migrations build exactly the Prisma schema (no drift)', () => {
    const { status, output } = run('prisma/scripts/diff.ts', '--check');
    expect(output).toContain('The migrations match the Prisma schema.');
    expect(status).toBe(0);
  });
});
