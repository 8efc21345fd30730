// Bad input and bad credentials: a clear error with a stable code, nothing written, no internals leaked.
import { randomUUID } from 'node:crypto';
import {
  APPROVE_VERSION,
  CREATE_VERSION,
  VERSIONS,
  allVersions,
  createVersion,
  errorCode,
  gql,
  newRecord,
  newUser,
  signJwt,
  type GraphQLResponse,
} from './support/api';

const tester = newUser('TESTER');

function expectNoInternals(result: GraphQLResponse): void {
  for (const error of result.errors ?? []) {
    expect(error.extensions?.stacktrace).toBeUndefined();
    expect(error.message).not.toMatch(/\n\s+at |prisma|node_modules|invocation/i);
  }
}

describe('authentication', () => {
  it('refuses operations without a token: UNAUTHENTICATED, nothing written', async () => {
    const record = newRecord();
    const result = await gql(CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: {} } });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
  });

  it.each([
    ['signed with another secret', () => signJwt({ sub: randomUUID(), name: 'x', email: 'x@y.z', roles: ['TESTER'] }, 'not-the-secret-at-all-0123456789')],
    ['expired', () => signJwt({ sub: randomUUID(), name: 'x', email: 'x@y.z', roles: ['TESTER'], exp: Math.floor(Date.now() / 1000) - 60 })],
    ['with an unknown role', () => signJwt({ sub: randomUUID(), name: 'x', email: 'x@y.z', roles: ['ROOT'] })],
    ['with a sub that is not a UUID', () => signJwt({ sub: 'alice', name: 'x', email: 'x@y.z', roles: ['TESTER'] })],
    ['that is not a JWT', () => 'garbage'],
  ])('refuses a token %s with UNAUTHENTICATED (HTTP 401)', async (_case, token) => {
    const result = await gql('{ phases { name } }', {}, token());
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expectNoInternals(result);
  });
});

describe('bad input', () => {
  it.each([
    ['cycleId', { cycleId: 'not-a-uuid' }],
    ['reportId', { reportId: '123' }],
    ['parentVersionId', { parentVersionId: 'nope' }],
    ['items.itemId', { items: [{ itemId: 'x', itemData: {} }] }],
  ])('refuses a malformed %s with BAD_USER_INPUT and writes nothing', async (_argument, override) => {
    const record = newRecord();
    const result = await gql(CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: {}, ...override } }, tester);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expectNoInternals(result);
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
  });

  it('refuses data that is not a JSON object', async () => {
    const result = await gql(CREATE_VERSION, { input: { phase: 'SCOPING', ...newRecord(), data: 42 } }, tester);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it('refuses an unknown phase', async () => {
    const result = await gql(CREATE_VERSION, { input: { phase: 'AUDITING', ...newRecord(), data: {} } }, tester);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it('refuses a malformed version id', async () => {
    const result = await gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: 'abc' }, tester);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expectNoInternals(result);
  });

  it('answers NOT_FOUND for a parent version that does not exist, and writes nothing', async () => {
    const record = newRecord();
    const result = await gql(CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: {}, parentVersionId: randomUUID() } }, tester);
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
  });

  it('refuses a cursor it did not hand out, and page sizes out of range', async () => {
    const record = newRecord();
    await createVersion('PLANNING', record, tester);
    for (const variables of [{ after: 'bm90IGEgY3Vyc29y' }, { first: 0 }, { first: 101 }, { first: -1 }]) {
      const result = await gql(VERSIONS, { phase: 'PLANNING', ...record, ...variables }, tester);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
    }
  });

  it('answers NOT_FOUND when no version is approved', async () => {
    const result = await gql(
      `query ($cycleId: ID!, $reportId: ID!) { currentVersion(phase: SCOPING, cycleId: $cycleId, reportId: $reportId) { id } }`,
      newRecord(),
      tester,
    );
    expect(errorCode(result)).toBe('NOT_FOUND');
  });

  it('refuses a body that is not JSON with a 400 and a code', async () => {
    const response = await fetch((await import('./support/api')).stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
