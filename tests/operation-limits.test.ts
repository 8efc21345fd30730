// Operations are bounded before the gateway plans them: at most 30 aliases, depth 15, 5,000 tokens and a cost of
// 10,000 (a list costs its `first` times its selection). A refused operation is answered at once with HTTP 400,
// GRAPHQL_VALIDATION_FAILED and a message naming the limit; it costs no SQL. Over the WebSocket too.
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { allVersions, createVersion, newRecord, newUser, ok, stack, type GraphQLResponse } from './support/api';
import { wsUrl } from './support/subscriptions';

const tester = newUser('TESTER');
const record = newRecord();
const versionsWithDetails = (alias: string, first = 100) =>
  `${alias}: versions(phase: PLANNING, cycleId: "${record.cycleId}", reportId: "${record.reportId}", first: ${first}) {
    edges { cursor node { id versionNumber status createdBy { id name email } reviewedBy { id name } decisions { id itemId status decidedBy { id name } } } }
    pageInfo { hasNextPage endCursor }
  }`;
const aliased = (count: number, field: (alias: string) => string) => `{ ${Array.from({ length: count }, (_, i) => field(`a${i}`)).join('\n')} }`;

/** Sends `query` as the tester; the answer, with the SQL statements the request cost across the stack. */
async function send(query: string): Promise<GraphQLResponse & { statements: number }> {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tester.token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, statements: Number(response.headers.get('x-phasegraph-sql-statements')), ...((await response.json()) as object) };
}

function expectRefused(result: GraphQLResponse & { statements: number }, limit: RegExp): void {
  expect(result.status).toBe(400);
  expect(result.errors?.map((error) => error.extensions?.code)).toContain('GRAPHQL_VALIDATION_FAILED');
  expect(result.errors?.map((error) => error.message).join(' ')).toMatch(limit);
  expect(result.data).toBeUndefined();
  // Refused before planning: not one SQL statement anywhere in the stack.
  expect(result.statements).toBe(0);
}

beforeAll(async () => {
  await ok('{ me { id } }', {}, tester); // recorded now, so that a refused request records no one
  await createVersion('PLANNING', record, tester, { items: [{ itemId: randomUUID(), itemData: {} }] });
});

describe('operation limits', () => {
  it('serves one versions(first: 100) with decisions and users', async () => {
    const result = await send(aliased(1, versionsWithDetails));
    expect(result.errors).toBeUndefined();
    expect(result.data!.a0.edges).toHaveLength(1);
  });

  it('refuses 25 of them: the cost limit', async () => {
    expectRefused(await send(aliased(25, versionsWithDetails)), /Cost limit of 10000 exceeded, found \d+/);
  });

  it('refuses 200 aliases of versions(first: 100), and 2,000 aliases of phases (both past the token limit too)', async () => {
    expectRefused(await send(aliased(200, versionsWithDetails)), /Token limit of 5000 exceeded/);
    expectRefused(await send(aliased(2_000, (alias) => `${alias}: phases { name }`)), /Token limit of 5000 exceeded/);
    expectRefused(await send(aliased(200, (alias) => `${alias}: phases { name }`)), /Aliases limit of 30 exceeded, found 200/);
  });

  it('serves 30 aliases and refuses 31', async () => {
    expect((await send(aliased(30, (alias) => `${alias}: phases { name }`))).errors).toBeUndefined();
    expectRefused(await send(aliased(31, (alias) => `${alias}: phases { name }`)), /Aliases limit of 30 exceeded, found 31/);
  });

  it('serves depth 15 and refuses depth 16: the depth limit', async () => {
    const typeRef = (depth: number): string => (depth === 0 ? 'name' : `name ofType { ${typeRef(depth - 1)} }`);
    // __type(…) is depth 1, each ofType one more, and the innermost name one more.
    expect((await send(`{ __type(name: "Phase") { ${typeRef(13)} } }`)).errors).toBeUndefined();
    expectRefused(await send(`{ __type(name: "Phase") { ${typeRef(14)} } }`), /depth limit of 15 exceeded, found 16/);
  });

  it('refuses more than 5,000 tokens: the token limit', async () => {
    expectRefused(await send(`{ phases { ${'name '.repeat(5_000)} } }`), /Token limit of 5000 exceeded/);
  });

  it('refuses a number literal beyond JSON (1e400) before the planner meets it, and writes nothing', async () => {
    const where = newRecord();
    const result = await send(
      `mutation { createVersion(input: { phase: SCOPING, cycleId: "${where.cycleId}", reportId: "${where.reportId}", data: { x: 1e400 } }) { id } }`,
    );
    expectRefused(result, /1e400 is beyond what JSON can represent/);
    expect(await allVersions('SCOPING', where, tester)).toEqual([]);
  });
});

describe('operation limits over the WebSocket', () => {
  /** The errors the server answers `query` with over graphql-ws (an error message, or a result carrying errors). */
  function errorsOverSocket(query: string): Promise<{ message: string; extensions?: { code?: string } }[]> {
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tester.token}` }, retryAttempts: 0 });
    return new Promise((resolve, reject) => {
      const done = (errors: unknown) => {
        void client.dispose();
        resolve(errors as { message: string; extensions?: { code?: string } }[]);
      };
      client.subscribe(
        { query },
        {
          next: (result) => done(result.errors ?? []),
          error: (error) => (Array.isArray(error) ? done(error) : reject(error instanceof Error ? error : new Error(JSON.stringify(error)))),
          complete: () => done([]),
        },
      );
    });
  }

  it('refuses a query over its limits', async () => {
    const errors = await errorsOverSocket(aliased(31, versionsWithDetails));
    expect(errors.map((error) => error.extensions?.code)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(errors.map((error) => error.message).join(' ')).toMatch(/Aliases limit of 30 exceeded/);
  });

  it('refuses a subscription over its limits when it subscribes, not at its first event', async () => {
    const selection = Array.from({ length: 31 }, (_, i) => `v${i}: versionId`).join(' ');
    const errors = await errorsOverSocket(`subscription { versionEvents { ${selection} } }`);
    expect(errors.map((error) => error.message).join(' ')).toMatch(/Aliases limit of 30 exceeded, found 3[12]/);
  });

  it('refuses more than 5,000 tokens', async () => {
    const errors = await errorsOverSocket(`{ phases { ${'name '.repeat(5_000)} } }`);
    expect(errors).toEqual([expect.objectContaining({ message: 'Token limit of 5000 exceeded.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
  });

  it('serves a query within its limits', async () => {
    expect(await errorsOverSocket('{ phases { name } }')).toEqual([]);
  });
});
