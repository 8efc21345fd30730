// The client guide's safe retries (docs/clients/safe-retries.ts), run with the real Apollo Client against the gateway:
// when the answer to a write is lost (a reset connection, a 503 from a restarting server) after the write was stored,
// the retry carries the same idempotency key, and the write is stored once.
import { randomUUID } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, type TypedDocumentNode } from '@apollo/client';
import { RetryLink } from '@apollo/client/link/retry';
import { IDEMPOTENCY_KEY_VARIABLE, safeRetryLink } from '../docs/clients/safe-retries';
import { allVersions, newRecord, newUser, stack, type TestUser } from './support/api';

const CREATE: TypedDocumentNode<{ createVersion: { id: string } }, { input: unknown; idempotencyKey?: string }> = gql`
  mutation CreateVersion($input: CreateVersionInput!, $idempotencyKey: String) {
    createVersion(input: $input, idempotencyKey: $idempotencyKey) {
      id
    }
  }
`;
const CREATE_WITHOUT_KEY = gql`
  mutation CreateVersionWithoutKey($input: CreateVersionInput!) {
    createVersion(input: $input) {
      id
    }
  }
`;

/**
 * How an answer is lost: the connection reset, a 503 from a server that is shutting down, or an answer whose error says
 * `retryable: true` (as one that outlasted the server's own retries of a database fault is).
 */
type Loss = 'reset' | 'shutting-down' | 'retryable-error';

/**
 * A fetch that sends every request to the gateway, but loses the answers to the first `lose` of them after the gateway
 * gave them: the write those requests asked for was stored, and the client cannot know. Records each request's body.
 */
function losingAnswers(lose: number, loss: Loss) {
  const bodies: Record<string, any>[] = [];
  const lossyFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    bodies.push(JSON.parse(String(init?.body)));
    const response = await fetch(input, init);
    if (bodies.length > lose) return response;
    await response.text(); // the gateway answered: whatever it was asked to write is stored
    if (loss === 'reset') throw new TypeError('fetch failed: the connection was reset before the answer arrived');
    const message = loss === 'shutting-down' ? 'The server is shutting down: retry.' : 'The database is unavailable for the moment; nothing was stored. Retry.';
    return new Response(JSON.stringify({ data: null, errors: [{ message, extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }] }), {
      status: loss === 'shutting-down' ? 503 : 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch: lossyFetch, bodies };
}

function client(user: TestUser, retries: ApolloLink, fetchFn: typeof fetch) {
  const http = new HttpLink({ uri: stack.gatewayUrl, fetch: fetchFn, headers: { authorization: `Bearer ${user.token}` } });
  return new ApolloClient({ link: ApolloLink.from([retries, http]), cache: new InMemoryCache(), defaultOptions: { mutate: { fetchPolicy: 'no-cache' } } });
}

const input = (record: { cycleId: string; reportId: string }) => ({ phase: 'PLANNING', ...record, data: { note: 'retried' } });
const retries = () => safeRetryLink({ initialDelayMs: 1, maxDelayMs: 10 });

describe("the client guide's safe retries", () => {
  const tester = newUser('TESTER');

  it.each<Loss>(['reset', 'shutting-down', 'retryable-error'])(
    'store a write once when its first answers are lost (%s), with one key for every attempt',
    async (loss) => {
      const record = newRecord();
      const network = losingAnswers(2, loss);
      const { data } = await client(tester, retries(), network.fetch).mutate({ mutation: CREATE, variables: { input: input(record) } });
      expect(network.bodies).toHaveLength(3);
      const keys = new Set(network.bodies.map((body) => body.variables[IDEMPOTENCY_KEY_VARIABLE]));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(await allVersions('PLANNING', record, tester)).toEqual([{ id: data!.createVersion.id, versionNumber: 1, status: 'DRAFT' }]);
    },
  );

  it('give each intended write its own key, and keep a key the caller chose', async () => {
    const record = newRecord();
    const network = losingAnswers(0, 'reset');
    const apollo = client(tester, retries(), network.fetch);
    await apollo.mutate({ mutation: CREATE, variables: { input: input(record) } });
    await apollo.mutate({ mutation: CREATE, variables: { input: input(record) } });
    const chosen = randomUUID();
    await apollo.mutate({ mutation: CREATE, variables: { input: input(record), idempotencyKey: chosen } });
    await apollo.mutate({ mutation: CREATE, variables: { input: input(record), idempotencyKey: chosen } });
    const keys = network.bodies.map((body) => body.variables[IDEMPOTENCY_KEY_VARIABLE]);
    expect(new Set(keys.slice(0, 2)).size).toBe(2);
    expect(keys.slice(2)).toEqual([chosen, chosen]);
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(3);
  });

  it('never retry a write without a key: its lost answer is an error, and it is stored once', async () => {
    const record = newRecord();
    const network = losingAnswers(1, 'reset');
    await expect(client(tester, retries(), network.fetch).mutate({ mutation: CREATE_WITHOUT_KEY, variables: { input: input(record) } })).rejects.toThrow(
      /connection was reset/,
    );
    expect(network.bodies).toHaveLength(1);
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(1);
  });

  it('are what stands between a lost answer and a duplicate: a plain RetryLink stores the write twice', async () => {
    const record = newRecord();
    const network = losingAnswers(1, 'reset');
    await client(tester, new RetryLink({ delay: { initial: 1, max: 10 } }), network.fetch).mutate({
      mutation: CREATE_WITHOUT_KEY,
      variables: { input: input(record) },
    });
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(2);
  });
});
