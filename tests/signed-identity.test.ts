// Subgraphs trust only identities the gateway signed, for the request they were signed for: a direct call without
// (or with a forged) signature is refused, and so is a captured signature replayed with another operation.
import { randomUUID } from 'node:crypto';
import { signIdentity } from '../subgraphs/kit/src/signed-identity';
import { newRecord, stack } from './support/api';
import { TEST_SUBGRAPH_SECRET } from './support/stack';

const planning = () => stack.subgraphUrls.planning!;
const create = (record: { cycleId: string; reportId: string }) =>
  JSON.stringify({
    query: 'mutation ($cycleId: ID!, $reportId: ID!) { planningCreateVersion(cycleId: $cycleId, reportId: $reportId, data: {}) { id versionNumber } }',
    variables: record,
  });
const versionsOf = (record: { cycleId: string; reportId: string }) =>
  JSON.stringify({
    query: 'query ($cycleId: ID!, $reportId: ID!) { planningVersions(cycleId: $cycleId, reportId: $reportId, first: 10) { id } }',
    variables: record,
  });
const mallory = { id: randomUUID(), name: 'Mallory', email: 'm@x.example', roles: ['TESTER' as const] };

async function post(url: string, body: string, headers: Record<string, string> = {}, method = 'POST') {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : body });
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
    const body = create(newRecord());
    const { status } = await post(planning(), body, signIdentity(mallory, body, 'a-guessed-secret-0123456789'));
    expect(status).toBe(401);
  });

  it('refuses a signed identity whose claims were altered', async () => {
    const body = create(newRecord());
    const headers = signIdentity(mallory, body, TEST_SUBGRAPH_SECRET);
    const forged = Buffer.from(JSON.stringify({ ...mallory, roles: ['ADMIN'] })).toString('base64url');
    const { status } = await post(planning(), body, { ...headers, 'x-phasegraph-identity': forged });
    expect(status).toBe(401);
  });

  it('refuses a signature older than 60 seconds', async () => {
    const body = create(newRecord());
    const { status } = await post(planning(), body, signIdentity(mallory, body, TEST_SUBGRAPH_SECRET, Date.now() - 61_000));
    expect(status).toBe(401);
  });

  it('refuses a captured signature replayed with another operation, and writes nothing', async () => {
    const record = newRecord();
    const captured = signIdentity(mallory, versionsOf(record), TEST_SUBGRAPH_SECRET);
    const { status, body } = await post(planning(), create(record), captured);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The captured headers still serve the request they were signed for, which finds nothing written.
    const original = await post(planning(), versionsOf(record), captured);
    expect(original.status).toBe(200);
    expect(original.body.data.planningVersions).toEqual([]);
  });

  it('refuses a signed identity on a GET, whose operation is in the URL and not covered by the signature', async () => {
    const query = new URLSearchParams({ query: '{ planningVersion(id: "00000000-0000-4000-8000-000000000000") { id } }' });
    const { status } = await post(`${planning()}?${query}`, '', signIdentity(mallory, '', TEST_SUBGRAPH_SECRET), 'GET');
    expect(status).toBe(401);
  });

  it('serves a call signed with the shared secret for its body', async () => {
    const body = create(newRecord());
    const { status, body: answer } = await post(planning(), body, signIdentity(mallory, body, TEST_SUBGRAPH_SECRET));
    expect(status).toBe(200);
    expect(answer.data.planningCreateVersion.versionNumber).toBe(1);
  });
});
