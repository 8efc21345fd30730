// Trusted documents: only the manifest's operations run, by id or by their text (definitions in any order, spaces and
// comments aside); anything else is refused with Apollo Router's codes and statuses before Apollo parses it, and
// nothing registers. Served over HTTP by the kit's server, as the gateway serves, on a small schema that counts what
// it runs; the gateway's own wiring is exercised against the real stack in tests/trusted-documents.test.ts.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ConfigError, createLogger, serveGraphQL, type RunningServer } from '@phasegraph/kit';
import { TrustedDocuments, type PersistedQueryManifest } from '../trusted-documents';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const HELLO = 'query Hello {\n  hello\n  ...Rest\n}\n\nfragment Rest on Query {\n  world\n}';
const WORLD = 'query World {\n  world\n}';
const manifest: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: sha256(HELLO), name: 'Hello', type: 'query', body: HELLO },
    { id: 'custom-id-of-world', name: 'World', type: 'query', body: WORLD },
  ],
};

/** A request naming an operation by its id, as Apollo Client's persisted query link sends it. */
const byId = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

interface Answer {
  status: number;
  cacheControl: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe('trusted documents over HTTP', () => {
  let server: RunningServer;
  let resolved = 0;

  async function start(introspection: boolean): Promise<RunningServer> {
    const trusted = new TrustedDocuments(manifest, { introspection, maxTokens: 1_000 });
    const apollo = new ApolloServer({
      typeDefs: 'type Query { hello: String! world: String! }',
      resolvers: { Query: { hello: () => (resolved++, 'hello'), world: () => (resolved++, 'world') } },
      persistedQueries: false,
      introspection,
    });
    return serveGraphQL({
      server: apollo,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('silent'),
      context: async () => ({}),
      ready: async () => true,
      admit: (request) => trusted.admitHttpRequest(request),
    });
  }

  async function post(body: Record<string, unknown>): Promise<Answer> {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, cacheControl: response.headers.get('cache-control'), body: (await response.json()) as Answer['body'] };
  }

  async function get(parameters: Record<string, string>): Promise<Answer> {
    const url = `${server.url}?${new URLSearchParams(parameters)}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    return { status: response.status, cacheControl: response.headers.get('cache-control'), body: (await response.json()) as Answer['body'] };
  }

  const refused = (status: number, code: string) => ({
    status,
    cacheControl: 'private, no-cache, must-revalidate',
    body: { errors: [expect.objectContaining({ extensions: { code } })] },
  });

  beforeEach(() => {
    resolved = 0;
  });
  afterEach(async () => {
    await server.close();
  });

  describe('with introspection on', () => {
    beforeEach(async () => {
      server = await start(true);
    });

    it('runs a listed operation sent by its id, in a POST or a GET', async () => {
      expect((await post(byId(sha256(HELLO)))).body).toEqual({ data: { hello: 'hello', world: 'world' } });
      expect((await post(byId('custom-id-of-world'))).body).toEqual({ data: { world: 'world' } });
      expect((await get({ extensions: JSON.stringify(byId('custom-id-of-world').extensions) })).body).toEqual({ data: { world: 'world' } });
    });

    it('runs a listed operation sent in full, whatever the order of its definitions, its spacing and comments', async () => {
      expect((await post({ query: HELLO })).body).toEqual({ data: { hello: 'hello', world: 'world' } });
      const reordered = 'fragment Rest on Query { world }  # the same operation\nquery Hello { hello, ...Rest }';
      expect((await post({ query: reordered })).body).toEqual({ data: { hello: 'hello', world: 'world' } });
      expect((await get({ query: WORLD })).body).toEqual({ data: { world: 'world' } });
    });

    it('refuses an id the list lacks: 404 PERSISTED_QUERY_NOT_IN_LIST, never cached', async () => {
      expect(await post(byId(sha256('{ hello }')))).toEqual(refused(404, 'PERSISTED_QUERY_NOT_IN_LIST'));
      expect(await get({ extensions: JSON.stringify(byId('unknown').extensions) })).toEqual(refused(404, 'PERSISTED_QUERY_NOT_IN_LIST'));
      expect(resolved).toBe(0);
    });

    it('refuses a text no entry matches, before parsing it: 403 QUERY_NOT_IN_SAFELIST', async () => {
      expect(await post({ query: '{ hello }' })).toEqual(refused(403, 'QUERY_NOT_IN_SAFELIST'));
      // A field selected in another order is another operation.
      expect(await post({ query: 'query World { world hello }' })).toEqual(refused(403, 'QUERY_NOT_IN_SAFELIST'));
      // Not parsed: a syntax error is refused the same, not reported.
      expect(await post({ query: '{ hello' })).toEqual(refused(403, 'QUERY_NOT_IN_SAFELIST'));
      expect(await get({ query: '{ hello }' })).toEqual(refused(403, 'QUERY_NOT_IN_SAFELIST'));
      expect(resolved).toBe(0);
    });

    it('registers nothing: an id sent with a text is refused (400 CANNOT_SEND_PQ_ID_AND_BODY) and stays unknown', async () => {
      const text = '{ hello }';
      expect(await post({ query: text, ...byId(sha256(text)) })).toEqual(refused(400, 'CANNOT_SEND_PQ_ID_AND_BODY'));
      expect(await post(byId(sha256(text)))).toEqual(refused(404, 'PERSISTED_QUERY_NOT_IN_LIST'));
      expect(resolved).toBe(0);
    });

    it('answers introspection, which explorers send to read the schema', async () => {
      const answer = await post({ query: '{ __schema { queryType { name } } __typename }' });
      expect(answer.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } }, __typename: 'Query' } });
    });

    it('leaves a request without any operation to Apollo, which refuses it', async () => {
      const answer = await post({ variables: {} });
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    });
  });

  describe('with introspection off', () => {
    beforeEach(async () => {
      server = await start(false);
    });

    it('refuses introspection as any operation the list lacks', async () => {
      expect(await post({ query: '{ __schema { queryType { name } } }' })).toEqual(refused(403, 'QUERY_NOT_IN_SAFELIST'));
    });
  });
});

describe('trusted documents over a WebSocket', () => {
  const trusted = new TrustedDocuments(manifest, { introspection: true, maxTokens: 1_000 });

  it('admits a listed text or id, and refuses anything else with the code alone', () => {
    expect(trusted.admitSocketOperation({ query: WORLD })).toEqual({ query: WORLD, extensions: undefined });
    expect(trusted.admitSocketOperation({ query: '', ...byId('custom-id-of-world') })).toEqual({ query: WORLD, extensions: undefined });
    const [error] = trusted.admitSocketOperation({ query: 'subscription { hello }' }) as Error[];
    expect(error).toMatchObject({ extensions: { code: 'QUERY_NOT_IN_SAFELIST' } });
    expect(JSON.parse(JSON.stringify(error)).extensions).toEqual({ code: 'QUERY_NOT_IN_SAFELIST' });
  });
});

describe('the manifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phasegraph-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loading(content: unknown): Promise<TrustedDocuments> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return TrustedDocuments.load(file, { introspection: true, maxTokens: 1_000 });
  }

  it("loads Apollo's persisted query manifest format", async () => {
    expect((await loading(manifest)).size).toBe(2);
  });

  it.each([
    ['another format', { ...manifest, format: 'relay' }, /format/],
    ['another version', { ...manifest, version: 2 }, /version/],
    ['an entry without a body', { ...manifest, operations: [{ id: 'x', name: 'X' }] }, /operations\.0\.body/],
    ['an entry that is no operation', { ...manifest, operations: [{ id: 'x', body: 'type Query { x: Int }' }] }, /operation x is not a GraphQL operation/],
    [
      'one id for two operations',
      { ...manifest, operations: [...manifest.operations, { id: 'custom-id-of-world', body: HELLO }] },
      /id custom-id-of-world names two/,
    ],
    ['no JSON at all', 'operations:', /cannot read a JSON manifest/],
  ])('refuses %s, naming PERSISTED_DOCUMENTS and the problem', async (_case, content, problem) => {
    const refusal = loading(content);
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/PERSISTED_DOCUMENTS: /);
    await expect(refusal).rejects.toThrow(problem);
  });

  it('refuses a file that is not there', async () => {
    await expect(TrustedDocuments.load(path.join(dir, 'missing.json'), { introspection: true, maxTokens: 1_000 })).rejects.toThrow(
      /PERSISTED_DOCUMENTS: .*missing\.json: cannot read a JSON manifest/,
    );
  });
});
