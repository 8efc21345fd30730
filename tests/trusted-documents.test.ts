// Trusted documents against the real gateway. Started with PERSISTED_DOCUMENTS naming the manifest Apollo's generator
// writes from a frontend's operations (tests/support/client-operations.ts), a gateway serves that frontend (by id over
// HTTP through Apollo Client's persisted query link, in full over the WebSocket) and refuses anything else before
// planning it. Without it, the default, any operation runs and automatic persisted queries register.
// The trusted gateway is another process on the stack's database: PostgreSQL only.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { generatePersistedQueryIdsFromManifest } from '@apollo/persisted-query-lists';
import { filter, firstValueFrom } from 'rxjs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CREATE_VERSION as PLAIN_CREATE_VERSION, allVersions, gql, newRecord, newUser, stack, type TestUser } from './support/api';
import { apolloClientFor, type TestApolloClient } from './support/apollo-client';
import { APPROVE_VERSION, CREATE_VERSION, CURRENT_VERSION, PHASES, VERSION_APPROVED } from './support/client-operations';
import { repositoryRoot, startExtraGateway, type ExtraGateway } from './support/stack';
import { FROM_THE_START } from './support/subscriptions';

const onPostgres = stack.databaseUrl ? describe : describe.skip;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Manifest {
  format: string;
  version: number;
  operations: { id: string; name: string; type: string; body: string }[];
}

/** Runs the command docs/clients.md gives a frontend, on the test's frontend operations; returns the manifest written. */
function generateManifest(dir: string): { file: string; manifest: Manifest } {
  const file = path.join(dir, 'persisted-query-manifest.json');
  const config = path.join(dir, 'persisted-query-manifest.config.json');
  writeFileSync(config, JSON.stringify({ documents: ['tests/support/client-operations.ts'], output: file }));
  const cli = require.resolve('@apollo/generate-persisted-query-manifest/cli.js');
  const run = spawnSync(process.execPath, [cli, '--config', config], { cwd: repositoryRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`generate-persisted-query-manifest failed:\n${run.stdout}${run.stderr}`);
  return { file, manifest: JSON.parse(readFileSync(file, 'utf8')) as Manifest };
}

/** POSTs a GraphQL request body to `url` as `user`; the answer's status, body and the SQL statements it cost. */
async function post(url: string, body: Record<string, unknown>, user?: TestUser) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${user.token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, statements: response.headers.get('x-phasegraph-sql-statements'), body: (await response.json()) as any };
}

const persistedQuery = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

onPostgres('a gateway with trusted documents (PERSISTED_DOCUMENTS)', () => {
  let dir: string;
  let manifest: Manifest;
  let gateway: ExtraGateway;
  const clients: TestApolloClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-trusted-'));
    const generated = generateManifest(dir);
    manifest = generated.manifest;
    gateway = await startExtraGateway(stack, undefined, { PERSISTED_DOCUMENTS: generated.file, REPORT_SQL_STATEMENTS: '1' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Apollo Client as the frontend ships it: operations over HTTP by their manifest id; what it sent over HTTP. */
  function frontendClient(user: TestUser): { client: TestApolloClient['client']; sent: Record<string, unknown>[] } {
    const sent: Record<string, unknown>[] = [];
    const recording: typeof fetch = async (input, init) => {
      sent.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
      return fetch(input, init);
    };
    const byId = new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest }));
    const client = apolloClientFor(user, { gatewayUrl: gateway.url, httpLinks: [byId], http: { fetch: recording } });
    clients.push(client);
    return { client: client.client, sent };
  }

  it('serves the frontend whose operations the manifest lists: by id over HTTP, in full over the WebSocket', async () => {
    expect(manifest.operations.map((operation) => operation.name).sort()).toEqual([
      'ApproveVersion',
      'CreateVersion',
      'CurrentVersion',
      'Phases',
      'VersionApproved',
    ]);
    const author = newUser('TESTER');
    const approver = newUser('TESTER');
    const mine = frontendClient(author);
    const theirs = frontendClient(approver);
    const record = newRecord();

    const { data: phases } = await mine.client.query<{ phases: { name: string }[] }>({ query: PHASES });
    expect(phases?.phases.map((phase) => phase.name)).toContain('PLANNING');
    const { data: created } = await mine.client.mutate<{ createVersion: { id: string; status: string } }>({
      mutation: CREATE_VERSION,
      variables: { input: { phase: 'PLANNING', ...record, data: { objective: 'Q3' } } },
    });
    const version = created!.createVersion;
    expect(version).toMatchObject({ __typename: 'PlanningVersion', status: 'DRAFT' });

    const approval = firstValueFrom(
      mine.client
        .subscribe<{ versionApproved: { versionId: string; record: { status: string } } }>({
          query: VERSION_APPROVED,
          variables: { reportId: record.reportId, after: FROM_THE_START },
        })
        .pipe(filter((result) => result.data?.versionApproved.versionId === version.id)),
    );
    await theirs.client.mutate({ mutation: APPROVE_VERSION, variables: { phase: 'PLANNING', versionId: version.id } });
    expect((await approval).data?.versionApproved.record).toMatchObject({ status: 'APPROVED' });
    const { data: current } = await mine.client.query<{ currentVersion: { id: string } }>({ query: CURRENT_VERSION, variables: record });
    expect(current?.currentVersion.id).toBe(version.id);

    // Over HTTP the frontend sent ids only, never an operation's text.
    const ids = new Set(manifest.operations.map((operation) => operation.id));
    for (const body of [...mine.sent, ...theirs.sent]) {
      expect(body.query).toBeUndefined();
      expect(ids.has((body.extensions as { persistedQuery: { sha256Hash: string } }).persistedQuery.sha256Hash)).toBe(true);
    }
    expect(mine.sent).toHaveLength(3);
  });

  it('runs a listed operation sent in full', async () => {
    const phases = manifest.operations.find((operation) => operation.name === 'Phases')!;
    const { status, body } = await post(gateway.url, { query: phases.body });
    expect(status).toBe(200);
    expect(body.data.phases).toHaveLength(8);
  });

  it('refuses an operation the list lacks before planning it: QUERY_NOT_IN_SAFELIST, HTTP 403, no SQL, nothing written', async () => {
    const user = newUser('TESTER');
    const record = newRecord();
    const refused = await post(gateway.url, { query: PLAIN_CREATE_VERSION, variables: { input: { phase: 'PLANNING', ...record, data: {} } } }, user);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      errors: [{ message: expect.stringMatching(/not in the persisted query list/), extensions: { code: 'QUERY_NOT_IN_SAFELIST' } }],
    });
    expect(refused.statements).toBe('0');
    expect(await allVersions('PLANNING', record, user)).toEqual([]);
  });

  it('refuses an unknown id (PERSISTED_QUERY_NOT_IN_LIST, 404) and registers nothing sent with its text (CANNOT_SEND_PQ_ID_AND_BODY, 400)', async () => {
    const text = '{ me { id } }';
    const user = newUser('TESTER');
    expect(await post(gateway.url, persistedQuery(sha256(text)), user)).toMatchObject({
      status: 404,
      body: { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] },
    });
    expect(await post(gateway.url, { query: text, ...persistedQuery(sha256(text)) }, user)).toMatchObject({
      status: 400,
      body: { errors: [{ extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } }] },
    });
    expect(await post(gateway.url, persistedQuery(sha256(text)), user)).toMatchObject({
      status: 404,
      body: { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] },
    });
  });

  it('refuses a subscription the list lacks over the WebSocket, when it subscribes', async () => {
    const user = newUser('TESTER');
    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${user.token}` },
      retryAttempts: 0,
    });
    try {
      const errors = await new Promise<unknown>((resolve) =>
        client.subscribe({ query: 'subscription { versionEvents { cursor } }' }, { next: () => undefined, error: resolve, complete: () => resolve([]) }),
      );
      expect(errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_NOT_IN_SAFELIST' } })]);
    } finally {
      await client.dispose();
    }
  });

  it('answers introspection while INTROSPECTION is on (the default), for explorers', async () => {
    const { status, body } = await post(gateway.url, { query: '{ __schema { queryType { name } } }' });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('a gateway without trusted documents (the default)', () => {
  it('runs any operation, and automatic persisted queries register one by its hash', async () => {
    const user = newUser('TESTER');
    const text = `{ me { id } } # ${randomUUID()}`;
    expect(await gql(text, {}, user)).toMatchObject({ status: 200, data: { me: { id: user.id } } });
    expect(await post(stack.gatewayUrl, persistedQuery(sha256(text)), user)).toMatchObject({
      body: { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
    });
    expect(await post(stack.gatewayUrl, { query: text, ...persistedQuery(sha256(text)) }, user)).toMatchObject({
      status: 200,
      body: { data: { me: { id: user.id } } },
    });
    expect(await post(stack.gatewayUrl, persistedQuery(sha256(text)), user)).toMatchObject({ status: 200, body: { data: { me: { id: user.id } } } });
  });
});
