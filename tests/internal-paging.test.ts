// A phase subgraph's internal page fields say themselves whether another page follows, so the gateway asks for the
// page its client wants and never a row more; past the largest page (100) a subgraph refuses, as the gateway does.
import { signIdentity } from '../subgraphs/kit/src/signed-identity';
import { createVersion, newRecord, newUser, stack, type TestUser } from './support/api';
import { TEST_SUBGRAPH_SECRET } from './support/stack';

const tester = newUser('TESTER');
const dataOwner = newUser('DATA_OWNER');

const VERSION_PAGE = `query ($cycleId: ID!, $reportId: ID!, $first: Int!, $before: Int) {
  page: planningVersionPage(cycleId: $cycleId, reportId: $reportId, first: $first, beforeVersionNumber: $before) { nodes { versionNumber } hasNextPage }
}`;
const RECORD_PAGE = `query ($cycleId: ID!, $reportId: ID!, $first: Int!) {
  page: dataOwnerIdRecordPage(cycleId: $cycleId, reportId: $reportId, first: $first) { nodes { data } hasNextPage }
}`;

/** Sends `query` straight to `subgraph`, signed as the gateway signs for `user`. */
async function direct(subgraph: string, query: string, variables: Record<string, unknown>, { token: _token, ...identity }: TestUser) {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(stack.subgraphUrls[subgraph]!, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signIdentity(identity, body, TEST_SUBGRAPH_SECRET) },
    body,
  });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe("a phase subgraph's internal pages", () => {
  it('say whether older versions follow', async () => {
    const record = newRecord();
    for (let version = 0; version < 3; version++) await createVersion('PLANNING', record, tester);
    const pageOf = async (first: number, before?: number) => (await direct('planning', VERSION_PAGE, { ...record, first, before }, tester)).data.page;
    expect(await pageOf(2)).toEqual({ nodes: [{ versionNumber: 3 }, { versionNumber: 2 }], hasNextPage: true });
    expect(await pageOf(2, 2)).toEqual({ nodes: [{ versionNumber: 1 }], hasNextPage: false });
    expect(await pageOf(3)).toEqual({ nodes: [{ versionNumber: 3 }, { versionNumber: 2 }, { versionNumber: 1 }], hasNextPage: false });
  });

  it('say whether older audit records follow', async () => {
    const record = newRecord();
    for (const step of [1, 2]) await createVersion('DATA_OWNER_ID', record, dataOwner, { data: { step } });
    const pageOf = async (first: number) => (await direct('data-owner-id', RECORD_PAGE, { ...record, first }, dataOwner)).data.page;
    expect(await pageOf(1)).toEqual({ nodes: [{ data: { step: 2 } }], hasNextPage: true });
    expect(await pageOf(2)).toEqual({ nodes: [{ data: { step: 2 } }, { data: { step: 1 } }], hasNextPage: false });
  });

  it('hold at most 100 rows: a larger page is BAD_USER_INPUT', async () => {
    const record = newRecord();
    for (const [subgraph, query, user] of [
      ['planning', VERSION_PAGE, tester],
      ['data-owner-id', RECORD_PAGE, dataOwner],
    ] as const) {
      const answer = await direct(subgraph, query, { ...record, first: 101 }, user);
      expect(answer.errors?.[0]).toMatchObject({ message: 'first must be between 1 and 100.', extensions: { code: 'BAD_USER_INPUT' } });
      expect((await direct(subgraph, query, { ...record, first: 100 }, user)).data.page).toEqual({ nodes: [], hasNextPage: false });
    }
  });
});
