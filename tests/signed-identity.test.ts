// Subgraphs trust only identities the gateway signed: a direct call without (or with a forged) signature is refused.
import { randomUUID } from 'node:crypto';
import { signIdentity } from '../subgraphs/kit/src/signed-identity';
import { newRecord, stack } from './support/api';
import { TEST_SUBGRAPH_SECRET } from './support/stack';

const planning = () => stack.subgraphUrls.planning!;
const create = (record: { cycleId: string; reportId: string }) => ({
  query: 'mutation ($cycleId: ID!, $reportId: ID!) { planningCreateVersion(cycleId: $cycleId, reportId: $reportId, data: {}) { id versionNumber } }',
  variables: record,
});
const mallory = { id: randomUUID(), name: 'Mallory', email: 'm@x.example', roles: ['TESTER' as const] };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
}

describe('a subgraph reached directly', () => {
  it('refuses an unsigned call with UNAUTHENTICATED (HTTP 401)', async () => {
    const { status, body } = await post(planning(), create(newRecord()));
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('refuses an identity signed with the wrong secret', async () => {
    const { status } = await post(planning(), create(newRecord()), signIdentity(mallory, 'a-guessed-secret-0123456789'));
    expect(status).toBe(401);
  });

  it('refuses a signed identity whose claims were altered', async () => {
    const headers = signIdentity(mallory, TEST_SUBGRAPH_SECRET);
    const forged = Buffer.from(JSON.stringify({ ...mallory, roles: ['ADMIN'] })).toString('base64url');
    const { status } = await post(planning(), create(newRecord()), { ...headers, 'x-phasegraph-identity': forged });
    expect(status).toBe(401);
  });

  it('refuses a signature older than five minutes (a replay)', async () => {
    const { status } = await post(planning(), create(newRecord()), signIdentity(mallory, TEST_SUBGRAPH_SECRET, Date.now() - 6 * 60_000));
    expect(status).toBe(401);
  });

  it('serves a call signed with the shared secret', async () => {
    const { status, body } = await post(planning(), create(newRecord()), signIdentity(mallory, TEST_SUBGRAPH_SECRET));
    expect(status).toBe(200);
    expect(body.data.planningCreateVersion.versionNumber).toBe(1);
  });
});
