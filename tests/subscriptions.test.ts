// Subscriptions over graphql-ws at the gateway: filtered on the server, resumable without gap or duplicate,
// delivered only after commit, authenticated through connectionParams.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { APPROVE_VERSION, CREATE_VERSION, REJECT_VERSION, createVersion, errorCode, gql, newRecord, newUser, ok, stack } from './support/api';
import { EVENT_FIELDS, FROM_THE_START, closeEventFor, subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
// Four eyes: versions are approved and rejected by someone other than their author.
const reviewer = newUser('TESTER');
const EVENTS = `subscription ($phase: PhaseName, $cycleId: ID, $reportId: ID, $after: String) {
  versionEvents(phase: $phase, cycleId: $cycleId, reportId: $reportId, after: $after) { ${EVENT_FIELDS} }
}`;
const APPROVALS = `subscription ($phase: PhaseName, $reportId: ID, $after: String) {
  versionApproved(phase: $phase, reportId: $reportId, after: $after) { ${EVENT_FIELDS} }
}`;
const events = (received: { data?: any }[]) => received.map((payload) => payload.data?.versionEvents ?? payload.data?.versionApproved);

describe('versionEvents', () => {
  it("streams a record's CREATED, APPROVED, SUPERSEDED and REJECTED events in order, with the actor and the version", async () => {
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START });
    try {
      const v1 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v1.id }, reviewer);
      const v2 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v2.id }, reviewer);
      const v3 = await createVersion('PLANNING', record, tester);
      await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: v3.id, notes: 'no' }, reviewer);
      const received = events(await watcher.until(7));
      expect(received.map((event) => [event.type, event.versionNumber])).toEqual([
        ['CREATED', 1],
        ['APPROVED', 1],
        ['CREATED', 2],
        ['SUPERSEDED', 1],
        ['APPROVED', 2],
        ['CREATED', 3],
        ['REJECTED', 3],
      ]);
      expect(received[4]).toMatchObject({
        phase: 'PLANNING',
        versionId: v2.id,
        ...record,
        actor: { id: reviewer.id, name: reviewer.name },
        record: { __typename: 'PlanningVersion', id: v2.id, status: 'APPROVED' },
      });
      expect(received[2]).toMatchObject({ type: 'CREATED', versionId: v2.id, actor: { id: tester.id, name: tester.name } });
      expect(new Set(received.map((event) => event.cursor)).size).toBe(7);
    } finally {
      await watcher.close();
    }
  });

  it('resumes after a cursor with every event since, in order, then live ones: no gap, no duplicate', async () => {
    const record = newRecord();
    const first = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START });
    const v1 = await createVersion('SCOPING', record, tester);
    await createVersion('SCOPING', record, tester);
    const seen = events(await first.until(2));
    await first.close();

    await createVersion('SCOPING', record, tester); // while nobody listens
    await createVersion('SCOPING', record, tester);
    const resumed = subscribe(tester, EVENTS, { ...record, after: seen[1].cursor });
    try {
      await resumed.until(2);
      await ok(`mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }`, { input: { phase: 'SCOPING', ...record, data: {} } }, tester);
      // A last version as a sentinel: events arrive in order, so everything before it has arrived once it does.
      const sentinel = await createVersion('SCOPING', record, tester);
      const rest = events(await resumed.untilMatch((payload) => payload.data?.versionEvents?.versionId === sentinel.id));
      expect(rest.map((event) => event.versionNumber)).toEqual([3, 4, 5, 6]);
      expect(seen[0].versionId).toBe(v1.id);
    } finally {
      await resumed.close();
    }
  });

  it('never tells of a change that rolled back', async () => {
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START });
    try {
      await createVersion('PLANNING', record, tester);
      // Fails inside the transaction after the CREATED event was written and signalled: the decision's data holds a
      // NUL character, which PostgreSQL refuses.
      const failed = await gql(
        CREATE_VERSION,
        { input: { phase: 'PLANNING', ...record, data: {}, items: [{ itemId: randomUUID(), itemData: { x: '\u0000' } }] } },
        tester,
      );
      expect(errorCode(failed)).toBe('BAD_USER_INPUT');
      await createVersion('PLANNING', record, tester);
      const received = events(await watcher.until(2));
      // The log is read in cursor order: an event of the failed create would have arrived between these two.
      expect(received.map((event) => [event.type, event.versionNumber])).toEqual([
        ['CREATED', 1],
        ['CREATED', 2],
      ]);
    } finally {
      await watcher.close();
    }
  });

  it('tells of audit records too, without a version number', async () => {
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { phase: 'REQUEST_INFO', ...record, after: FROM_THE_START });
    try {
      const { createVersion: created } = await ok(CREATE_VERSION, { input: { phase: 'REQUEST_INFO', ...record, data: { document: 'ledger.pdf' } } }, tester);
      const [event] = events(await watcher.until(1));
      expect(event).toMatchObject({
        type: 'CREATED',
        phase: 'REQUEST_INFO',
        versionId: created.id,
        versionNumber: null,
        record: { __typename: 'DocumentSubmission', id: created.id },
      });
    } finally {
      await watcher.close();
    }
  });
});

describe('the event log under concurrent writers', () => {
  it('gives a reader that leaves and resumes every event of 120 concurrent creates exactly once, each record in order', async () => {
    const { cycleId } = newRecord();
    const records = Array.from({ length: 12 }, () => ({ cycleId, reportId: newRecord().reportId }));
    const created: string[] = [];
    const writers = Promise.all(
      records.map(async (record, lane) => {
        for (let i = 0; i < 10; i++) created.push((await createVersion(lane % 2 ? 'SCOPING' : 'PLANNING', record, tester)).id);
      }),
    );
    const first = subscribe(tester, EVENTS, { cycleId, after: FROM_THE_START });
    const early = events(await first.until(15));
    await first.close();
    // While the reader is away the writers go on; it resumes from the last cursor it saw.
    const resumed = subscribe(tester, EVENTS, { cycleId, after: early.at(-1).cursor });
    try {
      await writers;
      const sentinel = await createVersion('PLANNING', records[0]!, tester);
      const rest = events(await resumed.untilMatch((payload) => payload.data?.versionEvents?.versionId === sentinel.id));
      const all = [...early, ...rest];
      expect(new Set(all.map((event) => event.cursor)).size).toBe(all.length);
      expect(all.map((event) => event.versionId).sort()).toEqual([...created, sentinel.id].sort());
      for (const record of records) {
        const numbers = all.filter((event) => event.reportId === record.reportId && event.versionId !== sentinel.id).map((event) => event.versionNumber);
        expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      }
    } finally {
      await resumed.close();
    }
  });

  (stack.databaseUrl ? it : it.skip)('delivers an event of an older transaction that commits last before the newer ones, never skipping it', async () => {
    const { cycleId, reportId } = newRecord();
    const connect = async () => {
      const client = new Client({ connectionString: stack.databaseUrl });
      await client.connect();
      return client;
    };
    const [first, older, newer] = [await connect(), await connect(), await connect()];
    // The events stand for no stored version: select only what the log itself holds.
    const watcher = subscribe(
      tester,
      `subscription ($cycleId: ID, $after: String) { versionEvents(cycleId: $cycleId, after: $after) { cursor versionNumber } }`,
      {
        cycleId,
        after: FROM_THE_START,
      },
    );
    const insert = (client: Client, versionNumber: number) =>
      client.query(
        `INSERT INTO events.version_events (type, phase, version_id, version_number, cycle_id, report_id, actor_id)
         VALUES ('CREATED', 'PLANNING', $1, $2, $3, $4, $5) RETURNING id`,
        [randomUUID(), versionNumber, cycleId, reportId, tester.id],
      );
    const notify = (client: Client) => client.query("SELECT pg_notify('phasegraph_version_events', '')");
    try {
      // `first` begins before `older`, which takes a lower event id than `newer`; `newer` commits, then `first` (whose
      // event is deliverable: no older transaction runs) while `older` still runs. A reader that went by event id
      // alone would, on reading `first`'s event, have passed `older`'s id for good.
      await first.query('BEGIN');
      await first.query('SELECT pg_current_xact_id()');
      await older.query('BEGIN');
      await insert(older, 1);
      await newer.query('BEGIN');
      await insert(newer, 2);
      await newer.query('COMMIT');
      await insert(first, 0);
      await first.query('COMMIT');
      await notify(first);
      await watcher.until(1);
      await older.query('COMMIT');
      await insert(older, 3); // a last, autocommitted event as the sentinel
      await notify(older);
      const received = events(await watcher.untilMatch((payload) => payload.data?.versionEvents?.versionNumber === 3));
      expect(received.map((event) => event.versionNumber)).toEqual([0, 1, 2, 3]);
    } finally {
      await watcher.close();
      await Promise.all([first.end(), older.end(), newer.end()]);
    }
  });
  (stack.databaseUrl ? it : it.skip)('delivers an event held back by a transaction that writes no event, once that transaction ends', async () => {
    const record = newRecord();
    const bystander = new Client({ connectionString: stack.databaseUrl });
    await bystander.connect();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START });
    try {
      // A transaction of anything else, begun before the change: until it ends the change's event cannot be delivered,
      // and its end announces nothing.
      await bystander.query('BEGIN');
      await bystander.query('SELECT pg_current_xact_id()');
      const version = await createVersion('PLANNING', record, tester);
      await bystander.query('COMMIT');
      expect(events(await watcher.until(1))).toEqual([expect.objectContaining({ type: 'CREATED', versionId: version.id })]);
    } finally {
      await watcher.close();
      await bystander.end();
    }
  });
});

describe('versionApproved', () => {
  it('filters on the server: only approvals of the phase and report asked for arrive', async () => {
    const record = newRecord();
    const watcher = subscribe(tester, APPROVALS, { phase: 'PLANNING', reportId: record.reportId, after: FROM_THE_START });
    try {
      const other = newRecord();
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', other, tester)).id }, reviewer);
      const draft = await createVersion('PLANNING', record, tester);
      await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', record, tester)).id, notes: 'no' }, reviewer);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id }, reviewer);
      // A second approval of the record as a sentinel (it supersedes the first, which must not arrive either).
      const sentinel = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: sentinel.id }, reviewer);
      const received = events(await watcher.untilMatch((payload) => payload.data?.versionApproved?.versionId === sentinel.id));
      expect(received.map((event) => [event.type, event.versionId, event.reportId])).toEqual([
        ['APPROVED', draft.id, record.reportId],
        ['APPROVED', sentinel.id, record.reportId],
      ]);
    } finally {
      await watcher.close();
    }
  });

  it('delivers one approval to each of 200 subscribers on one filter', async () => {
    const record = newRecord();
    // From the start of this new record's log: every subscriber hears the approval whenever its stream begins.
    const watchers = Array.from({ length: 200 }, () => subscribe(tester, APPROVALS, { reportId: record.reportId, after: FROM_THE_START }));
    try {
      const version = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
      const received = await Promise.all(
        watchers.map(async (watcher) => events(await watcher.untilMatch((payload) => Boolean(payload.data?.versionApproved)))),
      );
      for (const payloads of received) expect(payloads).toEqual([expect.objectContaining({ type: 'APPROVED', versionId: version.id })]);
    } finally {
      await Promise.all(watchers.map((watcher) => watcher.close()));
    }
  });
});

describe('subscription authentication', () => {
  it('closes the connection with 4401 and a reason when the token is missing or bad', async () => {
    const missing = await closeEventFor({});
    expect(missing.code).toBe(4401);
    expect(missing.reason).toMatch(/Unauthorized/);
    const bad = await closeEventFor({ authorization: 'Bearer not-a-token' });
    expect(bad.code).toBe(4401);
    expect(bad.reason).toMatch(/Unauthorized: The bearer token is not valid/);
  });

  it('shows the Subscription type to analysts in the schema', async () => {
    const { data } = await gql('{ __schema { subscriptionType { fields { name description } } } }');
    expect(data!.__schema.subscriptionType.fields.map((field: { name: string }) => field.name)).toEqual(['versionApproved', 'versionEvents']);
  });
});

describe('queries and mutations over the socket', () => {
  it('answers one that fails with its error, as over HTTP, and writes nothing', async () => {
    const record = newRecord();
    const failing = subscribe(tester, CREATE_VERSION, { input: { phase: 'PLANNING', ...record, data: {}, parentVersionId: 'not-a-uuid' } });
    const masked = subscribe(tester, 'mutation ($phase: PhaseName!, $versionId: ID!) { approveVersion(phase: $phase, versionId: $versionId) { id } }', {
      phase: 'PLANNING',
      versionId: randomUUID(),
    });
    try {
      const [refused] = await failing.until(1);
      expect(refused).toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })] });
      const [missing] = await masked.until(1);
      expect(missing).toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })] });
      expect(JSON.stringify([refused, missing])).not.toMatch(/stacktrace|\bat [\w.]+ \(/);
    } finally {
      await failing.close();
      await masked.close();
    }
    const { versions } = await ok<{ versions: { edges: unknown[] } }>(
      'query ($cycleId: ID!, $reportId: ID!) { versions(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { edges { node { id } } } }',
      record,
      tester,
    );
    expect(versions.edges).toEqual([]);
  });
});
