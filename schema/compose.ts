// `npm run compose`: composes every subgraph's SDL (and the gateway's workflow subgraph) into the static
// supergraph the gateway serves, schema/supergraph.graphql, and reports what changes for clients against the
// committed one (breaking changes first). `--check` exits 1 when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { SUPERGRAPH_FILE } from '../gateway/src/gateway';
import { SUBGRAPHS } from '../gateway/src/subgraphs';
import { workflowTypeDefs } from '../gateway/src/workflow/index';

/** The supergraph SDL of the current subgraph schemas. Routing URLs are the docker-compose service names. */
export function composeSupergraph(): string {
  const result = composeServices([
    { name: 'workflow', typeDefs: workflowTypeDefs, url: 'http://gateway.internal/workflow' },
    ...SUBGRAPHS.map((subgraph) => ({ name: subgraph.name, typeDefs: subgraph.typeDefs, url: `http://${subgraph.name}:4000/graphql` })),
  ]);
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((error) => `  ${error.message}`).join('\n')}`);
  return `${result.supergraphSdl.trim()}\n`;
}

/** What changes for clients (the API schema, without @inaccessible internals) from `before` to `after`. */
export async function clientChanges(before: string, after: string): Promise<{ breaking: string[]; other: string[] }> {
  const api = (sdl: string) => Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
  const changes = await diff(api(before), api(after));
  return {
    breaking: changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking).map((change) => change.message),
    other: changes.filter((change) => change.criticality.level !== CriticalityLevel.Breaking).map((change) => change.message),
  };
}

async function main(): Promise<void> {
  const supergraph = composeSupergraph();
  const committed = await readFile(SUPERGRAPH_FILE, 'utf8').catch(() => '');
  if (committed && committed !== supergraph) {
    const { breaking, other } = await clientChanges(committed, supergraph);
    if (breaking.length)
      console.log(
        `BREAKING for clients (${breaking.length}) — tell them, or add instead of change:\n${breaking.map((message) => `  ✗ ${message}`).join('\n')}`,
      );
    if (other.length) console.log(`Other changes for clients (${other.length}):\n${other.map((message) => `  · ${message}`).join('\n')}`);
  }
  if (process.argv.includes('--check')) {
    if (committed !== supergraph) {
      console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
    return;
  }
  await writeFile(SUPERGRAPH_FILE, supergraph);
  console.log(committed === supergraph ? 'schema/supergraph.graphql is already up to date.' : 'Wrote schema/supergraph.graphql.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
