// `npm run compose`: composes every subgraph's SDL (and the gateway's workflow subgraph) into the static
// supergraph the gateway serves, schema/supergraph.graphql. `--check` exits 1 when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
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

async function main(): Promise<void> {
  const supergraph = composeSupergraph();
  const committed = await readFile(SUPERGRAPH_FILE, 'utf8').catch(() => '');
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
