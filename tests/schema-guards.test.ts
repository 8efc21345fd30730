// The checked-in artefacts stay true to the code: the composed supergraph, the files the phase registry generates, the
// typed documents and the committed migrations.
import { spawnSync } from 'node:child_process';
import { repositoryRoot } from './support/stack';

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('checked-in schema artefacts', () => {
  it('schema/supergraph.graphql is what the subgraphs compose to now', () => {
    const { status, output } = run('schema/compose.ts', '--check');
    expect(output).toContain('up to date');
    expect(status).toBe(0);
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
