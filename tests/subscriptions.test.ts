// Subscriptions over graphql-ws at the gateway: filtered on the server, resumable without gap or duplicate,
// delivered only after commit, authenticated through connectionParams.
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, CREATE_VERSION, REJECT_VERSION, createVersion, errorCode, gql, newRecord, newUser, ok } from './support/api';
import { EVENT_FIELDS, FROM_THE_START, closeEventFor, subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
const EVENTS = `subscription ($phase: PhaseName, $cycleId: ID, $reportId: ID, $after: String) {
  versionEvents(phase: $phase, cycleId: $cycleId, reportId: $reportId, after: $after) { ${EVENT_FIELDS} }
}`;
const APPROVALS = `subscription ($phase: PhaseName, $reportId: ID) { versionApproved(phase: $phase, reportId: $reportId) { ${EVENT_FIELDS} } }`;
const events = (received: { data?: any }[]) => received.map((payload) => payload.data?.versionEvents ?? payload.data?.versionApproved);

describe('versionEvents', () => {
  it("streams a record's CREATED, APPROVED, SUPERSEDED and REJECTED events in order, with the actor and the version", async () => {
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START });
    try {
      const v1 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v1.id }, tester);
      const v2 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v2.id }, tester);
      const v3 = await createVersion('PLANNING', record, tester);
      await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: v3.id, notes: 'no' }, tester);
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
        actor: { id: tester.id, name: tester.name },
        record: { __typename: 'PlanningVersion', id: v2.id, status: 'APPROVED' },
      });
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
      const rest = events(await resumed.until(3));
      expect(rest.map((event) => event.versionNumber)).toEqual([3, 4, 5]);
      expect(seen[0].versionId).toBe(v1.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(resumed.received).toHaveLength(3);
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
      expect(received.map((event) => [event.type, event.versionNumber])).toEqual([
        ['CREATED', 1],
        ['CREATED', 2],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watcher.received).toHaveLength(2);
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

describe('versionApproved', () => {
  it('filters on the server: only approvals of the phase and report asked for arrive', async () => {
    const record = newRecord();
    const probe = newRecord();
    const watcher = subscribe(tester, APPROVALS, { phase: 'PLANNING', reportId: record.reportId });
    const prober = subscribe(tester, APPROVALS, { reportId: probe.reportId });
    try {
      // Approvals are live-only: wait until the subscriptions are listening, shown by a probe approval arriving.
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', probe, tester)).id }, tester);
      await prober.until(1);
      const other = newRecord();
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', other, tester)).id }, tester);
      const draft = await createVersion('PLANNING', record, tester);
      await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', record, tester)).id, notes: 'no' }, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id }, tester);
      const [event] = events(await watcher.until(1));
      expect(event).toMatchObject({ type: 'APPROVED', versionId: draft.id, reportId: record.reportId });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watcher.received).toHaveLength(1);
    } finally {
      await watcher.close();
      await prober.close();
    }
  });

  it('delivers one approval to each of 200 subscribers on one filter', async () => {
    const record = newRecord();
    const watchers = Array.from({ length: 200 }, () => subscribe(tester, APPROVALS, { reportId: record.reportId }));
    try {
      // Approvals are live-only: probe until every subscription has heard one, so all are listening.
      for (let probe = 0; watchers.some((watcher) => watcher.received.length === 0); probe++) {
        if (probe === 30) throw new Error(`${watchers.filter((watcher) => watcher.received.length === 0).length} subscriptions never started`);
        await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', record, tester)).id }, tester);
        await Promise.race([Promise.all(watchers.map((watcher) => watcher.until(1, 60_000))), new Promise((resolve) => setTimeout(resolve, 1_000))]);
      }
      const before = watchers.map((watcher) => watcher.received.length);
      const next = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: next.id }, tester);
      const received = await Promise.all(watchers.map(async (watcher, i) => events(await watcher.until(before[i]! + 1, 60_000)).at(-1)));
      expect(received.filter((event) => event.versionId === next.id && event.type === 'APPROVED')).toHaveLength(200);
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
