// `npm run compose`: composes every subgraph's SDL (and the gateway's workflow subgraph) into the static
// supergraph the gateway serves, schema/supergraph.graphql, and reports what changes for clients against the
// committed one (breaking changes first); then writes what Apollo Client needs to know of it,
// schema/possible-types.json. `--check` exits 1 when either committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { codegen } from '@graphql-codegen/core';
import * as fragmentMatcher from '@graphql-codegen/fragment-matcher';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { parse, printSchema } from 'graphql';
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

/** Where `npm run compose` writes Apollo Client's possibleTypes; frontends import it as `@phasegraph/schema/possible-types.json`. */
export const POSSIBLE_TYPES_FILE = new URL('./possible-types.json', import.meta.url);

/** The schema clients see: the supergraph without its @inaccessible internals and federation machinery. */
function apiSchema(supergraph: string) {
  return Supergraph.build(supergraph).apiSchema().toGraphQLJSSchema();
}

/**
 * Apollo Client's `possibleTypes` for the API schema (`{ "possibleTypes": { "Version": ["PlanningVersion", …] } }`),
 * as graphql-codegen's fragment-matcher plugin writes them, sorted. Without it Apollo Client's cache cannot tell that a
 * PlanningVersion is a Version, and drops every field selected under `... on Version`.
 */
export async function possibleTypesOf(supergraph: string): Promise<string> {
  const schema = apiSchema(supergraph);
  const json = await codegen({
    filename: 'possible-types.json',
    schema: parse(printSchema(schema)),
    schemaAst: schema,
    documents: [],
    config: {},
    plugins: [{ fragmentMatcher: { apolloClientVersion: 3, deterministic: true } }],
    pluginMap: { fragmentMatcher },
  });
  return `${json.trim()}\n`;
}

/** What changes for clients (the API schema, without @inaccessible internals) from `before` to `after`. */
export async function clientChanges(before: string, after: string): Promise<{ breaking: string[]; other: string[] }> {
  const changes = await diff(apiSchema(before), apiSchema(after));
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
  const possibleTypes = await possibleTypesOf(supergraph);
  const files = [
    { name: 'schema/supergraph.graphql', url: SUPERGRAPH_FILE, content: supergraph, committed },
    {
      name: 'schema/possible-types.json',
      url: POSSIBLE_TYPES_FILE,
      content: possibleTypes,
      committed: await readFile(POSSIBLE_TYPES_FILE, 'utf8').catch(() => ''),
    },
  ];
  if (process.argv.includes('--check')) {
    for (const file of files) {
      if (file.committed === file.content) console.log(`${file.name} is up to date.`);
      else console.error(`${file.name} is stale: run \`npm run compose\` and commit it.`);
    }
    if (files.some((file) => file.committed !== file.content)) process.exit(1);
    return;
  }
  for (const file of files) {
    if (file.committed === file.content) {
      console.log(`${file.name} is already up to date.`);
      continue;
    }
    await writeFile(file.url, file.content);
    console.log(`Wrote ${file.name}.`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
