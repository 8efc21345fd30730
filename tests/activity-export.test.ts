// GET /export/activity.csv: a report's activity as CSV for evidence files, through the running gateway. The same rows
// as the activity query, RFC 4180 quoting, no cell a spreadsheet would run, the same authentication as GraphQL, and a
// report of 100,000 events streamed whole.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { APPROVE_VERSION, assignOwner, createVersion, newRecord, newUser, ok, signJwt, stack, type TestUser } from './support/api';

const COLUMNS = 'at,type,phase,versionId,versionNumber,itemId,actorId,actorName,details';
const ACTIVITY = `query ($cycleId: ID!, $reportId: ID!, $phase: PhaseName, $after: String) {
  activity(cycleId: $cycleId, reportId: $reportId, phase: $phase, first: 100, after: $after) {
    edges { node { type phase versionId versionNumber itemId actor { id name } at details } } pageInfo { hasNextPage endCursor }
  }
}`;

const author = newUser('TESTER');
const reviewer = newUser('TESTER');

/** The export's URL for `query` (cycleId, reportId, phase…). */
function exportUrl(query: Record<string, string>): string {
  const url = new URL('/export/activity.csv', stack.gatewayUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

function download(query: Record<string, string>, user: TestUser | string | null = author): Promise<Response> {
  const token = typeof user === 'string' ? user : user?.token;
  return fetch(exportUrl(query), { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** CSV text as records of cells (RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; CRLF ends a record). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted) {
      cell += char;
    } else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else {
      cell += char;
    }
  }
  expect([cell, record]).toEqual(['', []]); // the last record ended with CRLF
  return records;
}

/** The scope's activity as the GraphQL query lists it. */
async function activityOf(variables: Record<string, unknown>): Promise<Record<string, any>[]> {
  const nodes: Record<string, any>[] = [];
  let after: string | null = null;
  do {
    const { activity }: { activity: any } = await ok(ACTIVITY, { ...variables, after }, author);
    nodes.push(...activity.edges.map((edge: { node: unknown }) => edge.node));
    after = activity.pageInfo.hasNextPage ? activity.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

describe('the activity export', () => {
  it("has the rows of the activity query, in its order, under the contract's header", async () => {
    const record = newRecord();
    await assignOwner(record.reportId, newUser('REPORT_OWNER'));
    const version = await createVersion('PLANNING', record, author, { items: [{ itemId: randomUUID(), itemData: { attribute: 'Total assets' } }] });
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id, notes: 'agreed, with "care"' }, reviewer);

    const response = await download(record);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="activity-${record.cycleId}-${record.reportId}.csv"`);
    const [header, ...rows] = parseCsv(await response.text());
    expect(header!.join(',')).toBe(COLUMNS);
    const expected = (await activityOf(record)).map((node) => [
      node.at,
      node.type,
      node.phase ?? '',
      node.versionId ?? '',
      node.versionNumber === null ? '' : String(node.versionNumber),
      node.itemId ?? '',
      node.actor.id,
      node.actor.name,
      node.details,
    ]);
    // `details` is JSON text: compared as JSON.
    expect(rows.map((row) => [...row.slice(0, 8), row[8] === '' ? null : JSON.parse(row[8]!)])).toEqual(expected);
    expect(rows.map((row) => row[1])).toEqual(['APPROVED', 'CREATED', 'OWNER_ASSIGNED']);
    expect(JSON.parse(rows[0]![8]!)).toEqual({ notes: 'agreed, with "care"', superseded: [] });
  });

  it('keeps to one phase with `phase`, and is only the header for a report where nothing happened', async () => {
    const record = newRecord();
    await createVersion('PLANNING', record, author);
    await createVersion('SCOPING', record, author);
    const rows = parseCsv(await (await download({ ...record, phase: 'SCOPING' })).text()).slice(1);
    expect(rows.map((row) => [row[1], row[2]])).toEqual([['CREATED', 'SCOPING']]);
    expect(await (await download(newRecord())).text()).toBe(`${COLUMNS}\r\n`);
  });

  it('never writes a cell that a spreadsheet would run as a formula', async () => {
    const id = randomUUID();
    const name = '=HYPERLINK("http://evil.example","open")';
    const mallory = {
      id,
      name,
      email: 'm@test.example',
      roles: ['TESTER'] as const,
      token: signJwt({ sub: id, name, email: 'm@test.example', roles: ['TESTER'] }),
    };
    const record = newRecord();
    await createVersion('PLANNING', record, mallory as unknown as TestUser);
    const text = await (await download(record)).text();
    const [, row] = parseCsv(text);
    expect(row![7]).toBe(`'${name}`);
    expect(text).not.toMatch(/(^|,)"?=/m);
  });

  it('needs the same bearer token as GraphQL: 401 without one or with a bad one, and nothing is read', async () => {
    const record = newRecord();
    for (const user of [null, 'not-a-token', signJwt({ sub: randomUUID(), name: 'x', email: 'x@test.example', roles: [] }, 'another-secret')]) {
      const response = await download(record, user);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a malformed cycle, report or phase with 400 and BAD_USER_INPUT naming it', async () => {
    const record = newRecord();
    for (const [query, argument] of [
      [{ reportId: record.reportId }, 'cycleId'],
      [{ ...record, reportId: 'r1' }, 'reportId'],
      [{ ...record, phase: 'NOT_A_PHASE' }, 'phase'],
    ] as const) {
      const response = await download(query);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
    }
  });

  (stack.databaseUrl ? it : it.skip)('streams a report of 100,000 events whole, a row each, without a length known in advance', async () => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, author);
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      // Seeded in the activity log (not the version log, which subscriptions read): one decision review a millisecond.
      await db.query(
        `INSERT INTO events.activity_events (type, phase, cycle_id, report_id, version_id, version_number, item_id, actor_id, at, details)
         SELECT 'DECISION_REVIEWED', 'PLANNING', $1, $2, $3, 1, gen_random_uuid(), $4, timestamptz '2026-01-01T00:00:00Z' + n * interval '1 millisecond',
                jsonb_build_object('decisionId', gen_random_uuid(), 'status', 'APPROVED', 'notes', 'seeded, row ' || n)
         FROM generate_series(1, 100000) AS n`,
        [record.cycleId, record.reportId, version.id, reviewer.id],
      );
      // As autovacuum would soon: without statistics the planner sorts the whole report for each batch.
      await db.query('ANALYZE events.activity_events');
      await ok('{ me { id } }', {}, reviewer);
      const response = await download(record);
      expect(response.headers.get('content-length')).toBeNull();
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      // Counted as it arrives: the test holds a chunk at a time, as the gateway does a batch.
      const decoder = new TextDecoder();
      let records = 0;
      let seeded = 0;
      let tail = '';
      for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) {
        const lines = (tail + decoder.decode(chunk, { stream: true })).split('\r\n');
        tail = lines.pop()!;
        records += lines.length;
        seeded += lines.filter((line) => line.includes('seeded, row')).length;
      }
      expect(tail).toBe('');
      expect(records).toBe(1 + 1 + 100_000); // the header, the version's CREATED, the seeded reviews
      expect(seeded).toBe(100_000);
    } finally {
      await db.query('DELETE FROM events.activity_events WHERE report_id = $1', [record.reportId]);
      await db.end();
    }
  });
});
