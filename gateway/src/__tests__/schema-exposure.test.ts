// What the gateway's operation options reveal of the schema: in production no "Did you mean …?" in validation errors,
// and no introspection when INTROSPECTION=off, over HTTP (Apollo Server) and the WebSocket (prepareSocketOperation)
// alike. Checked on a small schema: the options are the gateway's own.
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { operationLimitOptions, prepareSocketOperation, type SchemaExposure } from '../operation-limits';

const typeDefs = 'type Query { phases: [String!]! }';
const limits = { maxAliases: 30, maxDepth: 15, maxTokens: 5_000, maxCost: 10_000 };
const sizes = { defaultPage: 20, maxPage: 100, known: {}, assumed: 20 };

async function errorsOverHttp(query: string, exposure: SchemaExposure): Promise<string[]> {
  const server = new ApolloServer({ typeDefs, ...operationLimitOptions(limits, sizes, exposure) });
  await server.start();
  try {
    const response = await server.executeOperation({ query });
    return response.body.kind === 'single' ? (response.body.singleResult.errors ?? []).map((error) => error.message) : [];
  } finally {
    await server.stop();
  }
}

function errorsOverSocket(query: string, exposure: SchemaExposure): string[] {
  const prepared = prepareSocketOperation(buildSchema(typeDefs), { query }, limits, sizes, exposure);
  return Array.isArray(prepared) ? prepared.map((error) => error.message) : [];
}

describe.each([
  ['HTTP', errorsOverHttp],
  ['WebSocket', async (query: string, exposure: SchemaExposure) => errorsOverSocket(query, exposure)],
])('over %s', (_transport, errorsOf) => {
  it('suggests field names outside production, and not in production', async () => {
    expect(await errorsOf('{ phase }', { introspection: true, hideSuggestions: false })).toEqual([expect.stringMatching(/Did you mean "phases"\?/)]);
    expect(await errorsOf('{ phase }', { introspection: true, hideSuggestions: true })).toEqual(['Cannot query field "phase" on type "Query".']);
  });

  it('answers introspection unless it is off', async () => {
    expect(await errorsOf('{ __schema { queryType { name } } }', { introspection: true, hideSuggestions: true })).toEqual([]);
    const refused = await errorsOf('{ __schema { queryType { name } } }', { introspection: false, hideSuggestions: true });
    expect(refused.length).toBeGreaterThan(0);
    for (const message of refused) expect(message).toMatch(/introspection/i);
  });
});
