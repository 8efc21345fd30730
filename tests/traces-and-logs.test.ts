// Traces, request logs and a metrics port, on a stack of this suite's own: its processes export spans over OTLP to a
// receiver here, log at info, and serve /metrics on METRICS_PORT. One request is one trace, across the gateway, each
// subgraph it calls (in process; on PostgreSQL also one over HTTP, in its own process) and the SQL statements.
import { randomUUID } from 'node:crypto';
import { newRecord, newUser, stack } from './support/api';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { startOwnStack, type OwnStack } from './support/own-stack';
import { freePort } from './support/stack';
import { subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
/** On PostgreSQL the planning subgraph runs in a process of its own, so one call of the trace crosses HTTP. */
const planningElsewhere = Boolean(stack.databaseUrl);
const CREATE = `mutation TracedCreate($input: CreateVersionInput!) {
  createVersion(input: $input) { id ... on Version { versionNumber createdBy { name } } }
}`;

let receiver: OtlpReceiver;
let own: OwnStack;
let metricsPort: number;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  metricsPort = await freePort();
  own = await startOwnStack({
    planningElsewhere,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Spans leave in batches; a short delay between batches keeps the suite quick (it waits for them either way).
      OTEL_BSP_SCHEDULE_DELAY: '50',
      LOG_LEVEL: 'info',
      METRICS_PORT: String(metricsPort),
    },
  });
});

afterAll(async () => {
  await own?.stop();
  await receiver?.close();
});

/** Sends `query` to the suite's own gateway, with `headers`; the answer's body and headers. */
async function send(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(own.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] }, headers: response.headers };
}

/** The parts of a `traceparent`. */
function parts(traceparent: string | null) {
  const [, traceId, spanId, flags] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent ?? '') ?? [];
  return { traceId, spanId, flags };
}

/** The JSON log lines `output` holds that carry `requestId`. */
function logLinesOf(output: string, requestId: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Whether the span has `ancestor` among its ancestors in `spans`. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  const byId = new Map(spans.map((each) => [each.spanId, each]));
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) if (parent === ancestor) return true;
  return false;
}

describe('a traced request', () => {
  it('is one trace with the gateway, each subgraph it calls and the SQL, continuing the caller’s traceparent', async () => {
    const callerTraceId = randomUUID().replaceAll('-', '');
    const callerSpanId = randomUUID().replaceAll('-', '').slice(0, 16);
    const { body, headers } = await send(
      CREATE,
      { input: { phase: 'PLANNING', ...newRecord(), data: { objective: 'traced' } } },
      { authorization: `Bearer ${tester.token}`, traceparent: `00-${callerTraceId}-${callerSpanId}-01` },
    );
    expect(body.errors).toBeUndefined();
    const answered = parts(headers.get('traceparent'));
    expect(answered).toEqual({ traceId: callerTraceId, spanId: expect.any(String), flags: '01' });

    const isRoot = (span: ReceivedSpan) => span.traceId === callerTraceId && span.parentSpanId === callerSpanId;
    const isSql = (span: ReceivedSpan) => span.name === 'prisma:client:db_query';
    const planningServer = (span: ReceivedSpan) => span.service === 'phasegraph-planning' && span.name === 'POST /graphql';
    // The gateway's process ends the request's span after every span of its own, so with the root in, every call to
    // planning is known. Each process sends its spans in the order they ended, so with the planning process's server
    // span of every call in, all it recorded for them is in too (the gateway calls planning more than once).
    const spans = (
      await receiver.until((received) => {
        const trace = received.filter((span) => span.traceId === callerTraceId);
        if (!trace.some(isRoot) || !trace.some(isSql)) return false;
        const calls = trace.filter((span) => span.name === 'subgraph planning');
        return !planningElsewhere || (calls.length > 0 && trace.filter(planningServer).length >= calls.length);
      })
    ).filter((span) => span.traceId === callerTraceId);

    const [root, ...others] = [spans.find(isRoot)!, ...spans.filter((span) => !isRoot(span))];
    expect(root).toMatchObject({
      service: 'phasegraph',
      name: 'POST /graphql',
      spanId: answered.spanId,
      attributes: { 'graphql.operation.name': 'TracedCreate' },
    });
    // One trace: every other span hangs from the request's span, through spans of the same trace.
    for (const span of others) expect([span.name, descendsFrom(span, root, spans)]).toEqual([span.name, true]);
    const named = (name: string) => spans.filter((span) => span.name === name);
    expect(named('gateway.request')).toHaveLength(1);
    expect(named('gateway.plan')).toHaveLength(1);
    expect(named('subgraph workflow')).toEqual([expect.objectContaining({ attributes: expect.objectContaining({ 'phasegraph.transport': 'in-process' }) })]);
    const planningCalls = named('subgraph planning');
    expect(planningCalls.length).toBeGreaterThan(0);
    expect(planningCalls.map((span) => span.attributes['phasegraph.transport'])).toEqual(planningCalls.map(() => (planningElsewhere ? 'http' : 'in-process')));
    const planningSql = spans.filter((span) => isSql(span) && planningCalls.some((call) => descendsFrom(span, call, spans)));
    expect(planningSql.map((span) => span.attributes['db.query.text']).join('\n')).toMatch(/INSERT INTO planning\./);
    if (planningElsewhere) {
      // Over HTTP the trace crosses processes: the planning process's server span is a child of the gateway's call.
      const servers = spans.filter(planningServer);
      expect(servers.length).toBe(planningCalls.length);
      for (const server of servers) expect(planningCalls.map((call) => call.spanId)).toContain(server.parentSpanId);
      expect(planningSql.every((span) => span.service === 'phasegraph-planning')).toBe(true);
    }
  });

  it('without a caller’s traceparent starts a trace of its own, and answers with it', async () => {
    const { headers } = await send('query UntracedPhases { phases { name } }', {}, {});
    const { traceId, spanId } = parts(headers.get('traceparent'));
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await receiver.until((received) => received.some((span) => span.traceId === traceId && span.spanId === spanId));
    expect(spans.find((span) => span.spanId === spanId)).toMatchObject({ name: 'POST /graphql', parentSpanId: undefined });
  });
});

describe('a query sent over the WebSocket', () => {
  it('is a trace of its own and a line of the request log, as one sent over HTTP', async () => {
    const name = `SocketTraced_${randomUUID().replaceAll('-', '')}`;
    const socket = subscribe(tester, `query ${name} { phases { name } }`, {}, own.url);
    try {
      expect((await socket.until(1))[0]?.errors).toBeUndefined();
    } finally {
      await socket.close();
    }
    const [line] = await own.output.until((text) => {
      const found = text
        .split('\n')
        .filter((each) => each.startsWith('{') && each.includes(name))
        .map((each) => JSON.parse(each) as Record<string, unknown>)
        .filter((each) => each.message === 'request');
      return found.length > 0 ? found : undefined;
    });
    expect(line).toMatchObject({
      level: 'info',
      requestId: expect.any(String),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      transport: 'websocket',
      operationName: name,
      operationType: 'query',
      durationMs: expect.any(Number),
      status: null,
      outcome: 'ok',
    });
    const traceId = line!.traceId as string;
    const isRoot = (span: ReceivedSpan) => span.traceId === traceId && span.name === 'WebSocket /graphql';
    // The gateway's process ends the operation's span after its own others: with it in, they are in.
    const spans = (await receiver.until((received) => received.some(isRoot))).filter((span) => span.traceId === traceId);
    const root = spans.find(isRoot)!;
    expect(root).toMatchObject({
      service: 'phasegraph',
      parentSpanId: undefined,
      attributes: { 'graphql.operation.name': name, 'graphql.operation.type': 'query', 'phasegraph.transport': 'websocket' },
    });
    const request = spans.filter((span) => span.name === 'gateway.request');
    expect(request).toHaveLength(1);
    expect(descendsFrom(request[0]!, root, spans)).toBe(true);
  });
});

describe('the request log', () => {
  it('has one line per request with its id, trace id, operation, duration and outcome', async () => {
    const { headers } = await send('query LoggedPhases { phases { name } }', {}, {});
    const requestId = headers.get('x-request-id')!;
    const lines = await own.output.until((text) => {
      const found = logLinesOf(text, requestId).filter((line) => line.message === 'request');
      return found.length > 0 ? found : undefined;
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        requestId,
        traceId: parts(headers.get('traceparent')).traceId,
        operationName: 'LoggedPhases',
        operationType: 'query',
        durationMs: expect.any(Number),
        status: 200,
        outcome: 'ok',
      }),
    ]);
  });

  it('names the error codes of a refused request, and never the token that was refused', async () => {
    const stolen = newUser('ADMIN').token.replace(/\.[^.]+$/, '.forged-signature');
    const { body, headers } = await send('query RefusedMe { me { id } }', {}, { authorization: `Bearer ${stolen}` });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const requestId = headers.get('x-request-id')!;
    const [line] = await own.output.until((text) => {
      const found = logLinesOf(text, requestId).filter((each) => each.message === 'request');
      return found.length > 0 ? found : undefined;
    });
    expect(line).toMatchObject({ requestId, outcome: 'error', errors: ['UNAUTHENTICATED'], status: 401 });
    const [, payload] = stolen.split('.');
    expect(own.output.text()).not.toContain(payload!);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own port instead of beside /graphql', async () => {
    const elsewhere = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(elsewhere.status).toBe(200);
    expect(await elsewhere.text()).toContain('phasegraph_graphql_request_duration_seconds_bucket');
    const beside = await fetch(new URL('/metrics', own.url));
    expect(beside.status).toBe(404);
    await beside.body?.cancel();
  });
});
