// Operations over the gateway's WebSocket that a hand-written or careless client sends: each is answered on its own,
// with a stable code, as over HTTP, and the socket (with every other subscription on it) stays open. And a socket lives
// no longer than the token it connected with.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createVersion, newRecord, newUser, signJwt, type TestUser } from './support/api';
import { FROM_THE_START, wsUrl } from './support/subscriptions';

const tester = newUser('TESTER');

/** What an operation sent over the socket came to first. */
type Outcome = { next: { data?: any; errors?: any[] } } | { error: unknown } | { complete: true };

/** One socket, as one client holds it: operations share it, and `closed` says whether (and how) it ended. */
interface Socket {
  /**
   * Sends an operation; resolves with what first came of it. A subscription still running goes with the socket:
   * graphql-ws's client, told to stop one from within its `next`, may complete the next operation on the socket unsent.
   */
  first(payload: { query: string; variables?: Record<string, unknown>; operationName?: string }): Promise<Outcome>;
  closed: { code: number; reason: string } | undefined;
  untilClosed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

function openSocket(user: TestUser | string): Socket {
  let resolveClosed!: (event: { code: number; reason: string }) => void;
  const untilClosed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  const socket: Socket = {
    closed: undefined,
    untilClosed,
    first: (payload) =>
      new Promise((resolve) => {
        client.subscribe(payload, {
          next: (value) => resolve({ next: value as { data?: any; errors?: any[] } }),
          error: (error) => resolve({ error }),
          complete: () => resolve({ complete: true }),
        });
      }),
    dispose: () => client.dispose() as Promise<void>,
  };
  const client: Client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${typeof user === 'string' ? user : user.token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        socket.closed = { code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) };
        resolveClosed(socket.closed);
      },
    },
  });
  return socket;
}

/** The codes of an outcome's errors, however they came (a result with errors, or an error message). */
function codesOf(outcome: Outcome): string[] {
  const errors = 'next' in outcome ? outcome.next.errors : 'error' in outcome && Array.isArray(outcome.error) ? outcome.error : [outcome];
  return (errors ?? []).map((error: { extensions?: { code?: string } }) => String(error.extensions?.code));
}

/** The socket still answers: a query on it gets its data. */
async function stillAnswers(socket: Socket): Promise<void> {
  expect(await socket.first({ query: '{ phases { name } }' })).toMatchObject({ next: { data: { phases: expect.any(Array) } } });
  expect(socket.closed).toBeUndefined();
}

describe('a subscription’s variables', () => {
  it('are checked against their declarations, as a query’s are: BAD_USER_INPUT, and the socket stays open', async () => {
    const socket = openSocket(tester);
    try {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['subscription ($after: String) { versionEvents(after: $after) { cursor } }', { after: 123 }, /\$after/],
        ['subscription ($reportId: ID) { versionEvents(reportId: $reportId) { cursor } }', { reportId: 123.5 }, /\$reportId/],
        // docs/clients.md's subscription without its $reportId: not every report's events, but a refusal.
        ['subscription ($reportId: ID!, $after: String) { versionEvents(reportId: $reportId, after: $after) { cursor } }', {}, /was not provided/],
        ['subscription ($phase: PhaseName) { versionEvents(phase: $phase) { cursor } }', { phase: 'planning' }, /\$phase/],
      ];
      for (const [query, variables, says] of cases) {
        const outcome = await socket.first({ query, variables });
        expect(codesOf(outcome)).toEqual(['BAD_USER_INPUT']);
        expect(JSON.stringify(outcome)).toMatch(says);
      }
      await stillAnswers(socket);
    } finally {
      await socket.dispose();
    }
  });
});

describe('a document sent over the socket', () => {
  it('with several operations is run by operationName, the subscription’s events delivered with its own fragments', async () => {
    const record = newRecord();
    const document = `
      query Phases { phases { ...PhaseFields } }
      subscription Events($reportId: ID, $after: String) { versionEvents(reportId: $reportId, after: $after) { ...EventFields } }
      fragment PhaseFields on Phase { name }
      fragment EventFields on VersionEvent { versionId ...Where }
      fragment Where on VersionEvent { reportId }`;
    const socket = openSocket(tester);
    try {
      const delivered = socket.first({ query: document, operationName: 'Events', variables: { ...record, after: FROM_THE_START } });
      const version = await createVersion('PLANNING', record, tester);
      expect(await delivered).toEqual({ next: { data: { versionEvents: { versionId: version.id, reportId: record.reportId } } } });
    } finally {
      await socket.dispose();
    }
  });

  it('that names no operation of several, or one it lacks, is BAD_REQUEST as over HTTP', async () => {
    const socket = openSocket(tester);
    try {
      const document = 'query A { phases { name } } query B { phases { name } }';
      expect(codesOf(await socket.first({ query: document }))).toEqual(['BAD_REQUEST']);
      expect(codesOf(await socket.first({ query: document, operationName: 'C' }))).toEqual(['BAD_REQUEST']);
      await stillAnswers(socket);
    } finally {
      await socket.dispose();
    }
  });
});

describe('a subscription at the operation limits', () => {
  // Each event is delivered by a query with one alias more than the subscription: at 30 aliases (the limit) that query
  // would be refused at every event, so the subscription is refused when it subscribes, saying why.
  const withAliases = (count: number) =>
    `subscription ($reportId: ID, $after: String) { versionEvents(reportId: $reportId, after: $after) { ${Array.from({ length: count }, (_, i) => `v${i}: versionId`).join(' ')} } }`;

  it('is refused when it subscribes if its events could not be delivered within them', async () => {
    const socket = openSocket(tester);
    try {
      const outcome = await socket.first({ query: withAliases(30), variables: newRecord() });
      expect(codesOf(outcome)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(JSON.stringify(outcome)).toMatch(/Each event of this subscription.*Aliases limit of 30 exceeded/);
      await stillAnswers(socket);
    } finally {
      await socket.dispose();
    }
  });

  it('is delivered when they could', async () => {
    const record = newRecord();
    const socket = openSocket(tester);
    try {
      const delivered = socket.first({ query: withAliases(29), variables: { ...record, after: FROM_THE_START } });
      const version = await createVersion('PLANNING', record, tester);
      expect(await delivered).toEqual({ next: { data: { versionEvents: Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`v${i}`, version.id])) } } });
    } finally {
      await socket.dispose();
    }
  });
});

describe('a socket’s token', () => {
  it('ends the socket when it expires: closed with 4401, its subscriptions with it', async () => {
    const id = randomUUID();
    // JWT expiry is in whole seconds: this token expires within the next two.
    const token = signJwt({ sub: id, name: 'Short-lived', email: `${id.slice(0, 8)}@test.example`, roles: ['TESTER'], exp: Math.floor(Date.now() / 1000) + 2 });
    const socket = openSocket(token);
    try {
      const watching = socket.first({ query: 'subscription ($reportId: ID) { versionEvents(reportId: $reportId) { cursor } }', variables: newRecord() });
      expect(await socket.untilClosed).toEqual({ code: 4401, reason: 'Unauthorized: the token has expired.' });
      expect(await watching).toMatchObject({ error: expect.objectContaining({ code: 4401 }) });
    } finally {
      await socket.dispose();
    }
  });
});
