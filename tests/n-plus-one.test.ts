// N+1 is a bug: listing versions with their decisions, creators and reviewers costs the same number of SQL
// statements for 5 versions as for 50 (counted per request by the stack, across the gateway and its subgraphs).
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, CREATE_VERSION, gql, newRecord, newUser, ok, stack, type TestUser } from './support/api';

const reviewer = newUser('TESTER');
const LIST = `query ($cycleId: ID!, $reportId: ID!, $first: Int) {
  versions(phase: PLANNING, cycleId: $cycleId, reportId: $reportId, first: $first) {
    edges { node { id versionNumber status createdBy { id name email } reviewedBy { id name } decisions { id itemId status decidedBy { id name } } } }
  }
}`;

async function recordWith(count: number, authors: TestUser[]) {
  const record = newRecord();
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      gql(
        CREATE_VERSION,
        {
          input: {
            phase: 'PLANNING',
            ...record,
            data: {},
            items: [
              { itemId: randomUUID(), itemData: { i } },
              { itemId: randomUUID(), itemData: { i } },
            ],
          },
        },
        authors[i % authors.length]!,
      ),
    ),
  );
  const ids = created.map((result) => result.data!.createVersion.id as string);
  // Four eyes: approved by someone who wrote none of them.
  for (const id of ids.slice(0, 3)) await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: id }, reviewer);
  return record;
}

async function statementsToList(record: { cycleId: string; reportId: string }, reader: TestUser): Promise<{ statements: number; versions: number }> {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` },
    body: JSON.stringify({ query: LIST, variables: { ...record, first: 100 } }),
  });
  const body = (await response.json()) as { data: { versions: { edges: unknown[] } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return { statements: Number(response.headers.get('x-phasegraph-sql-statements')), versions: body.data.versions.edges.length };
}

describe('listing versions', () => {
  it('costs as many SQL statements for 50 versions as for 5', async () => {
    const authors = Array.from({ length: 5 }, () => newUser('TESTER'));
    const reader = newUser('TESTER');
    await ok('{ me { id } }', {}, reader);
    const [few, many] = [await recordWith(5, authors), await recordWith(50, authors)];
    const small = await statementsToList(few, reader);
    const large = await statementsToList(many, reader);
    expect([small.versions, large.versions]).toEqual([5, 50]);
    expect(small.statements).toBeGreaterThan(0);
    expect(large.statements).toBe(small.statements);
  });
});
