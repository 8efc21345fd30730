// Shutdown without surprises (SIGTERM, as a rolling restart sends it): the server stops taking requests, answers every
// one in flight, closes subscriptions with 1001 so their clients resume elsewhere, then exits 0. PostgreSQL only: the
// server under test is another process on the test stack's database, as `npm start` runs (everything in one process).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { allVersions, createVersion, newRecord, newUser, stack } from './support/api';
import { oneProcessEnv, startExtraGateway } from './support/stack';
import { FROM_THE_START, subscribe } from './support/subscriptions';

const onPostgres = stack.databaseUrl ? describe : describe.skip;
const tester = newUser('TESTER');
/** Every subgraph in the server's own process, as `npm start` runs them: none of the test stack's URLs. */
const ONE_PROCESS = oneProcessEnv(stack);
const CREATE = `mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id ... on Version { versionNumber } } }`;
const EVENTS = `subscription ($cycleId: ID, $reportId: ID, $after: String) {
  versionEvents(cycleId: $cycleId, reportId: $reportId, after: $after) { cursor type versionId versionNumber }
}`;

/** Waits until `count` backends are blocked by `holder`'s lock, by asking the database (a state, not a time). */
async function waitersOn(db: Client, holder: number, count: number): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder]);
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the interval between two looks, not a wait for an outcome
  }
}

/** Waits until `url` no longer answers 200 (503, or the connection refused). */
async function notReady(url: string): Promise<void> {
  for (;;) {
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the interval between two looks, not a wait for an outcome
  }
}

onPostgres('SIGTERM', () => {
  it('answers every write in flight with its data, stores each once, and exits 0', async () => {
    const server = await startExtraGateway(stack, undefined, { ...ONE_PROCESS, DATABASE_POOL_SIZE: '12', SHUTDOWN_TIMEOUT_MS: '60000' });
    const records = Array.from({ length: 10 }, () => newRecord());
    const holder = new Client({ connectionString: stack.databaseUrl });
    // Another connection looks: within the holder's transaction, pg_stat_activity would stay as it first saw it.
    const observer = new Client({ connectionString: stack.databaseUrl });
    await Promise.all([holder.connect(), observer.connect()]);
    try {
      // Hold every record's lock, so the ten writes are surely inside the server, waiting in their transactions.
      await holder.query('BEGIN');
      for (const record of records) {
        await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`PLANNING:${record.cycleId}:${record.reportId}`]);
      }
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const writes = records.map((record) =>
        fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tester.token}` },
          body: JSON.stringify({
            query: CREATE,
            variables: { input: { phase: 'PLANNING', ...record, data: { n: 1 }, items: [{ itemId: randomUUID(), itemData: {} }] } },
          }),
        }).then((response) => response.json() as Promise<{ data?: any; errors?: unknown[] }>),
      );
      await waitersOn(observer, holderPid, records.length);

      const stopped = server.stop();
      await notReady(new URL('/health', server.url).toString());
      await holder.query('COMMIT');

      const answers = await Promise.all(writes);
      expect(answers.map((answer) => answer.errors)).toEqual(records.map(() => undefined));
      expect(answers.map((answer) => answer.data?.createVersion.versionNumber)).toEqual(records.map(() => 1));
      expect(await stopped).toBe(0);
      for (const [i, record] of records.entries()) {
        expect((await allVersions('PLANNING', record, tester)).map((version) => version.id)).toEqual([answers[i]!.data!.createVersion.id]);
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), observer.end()]);
      await server.stop();
    }
  });

  it('closes subscriptions with 1001; a subscriber resumes from its cursor on the restarted server, with no gap and no repeat', async () => {
    const first = await startExtraGateway(stack, undefined, ONE_PROCESS);
    const port = Number(new URL(first.url).port);
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START }, first.url);
    const before = await createVersion('PLANNING', record, tester);
    const [seen] = await watcher.untilMatch((payload) => payload.data?.versionEvents?.versionId === before.id);
    const cursor = seen!.data!.versionEvents.cursor as string;

    const closed = watcher.untilMatch(() => false).catch((error: Error) => error.message);
    expect(await first.stop()).toBe(0);
    expect(await closed).toMatch(/"code":1001/);

    // Writes go on through the test stack's gateway while the server is away.
    const during = [await createVersion('PLANNING', record, tester), await createVersion('PLANNING', record, tester)];
    const restarted = await startExtraGateway(stack, port, ONE_PROCESS);
    const resumed = subscribe(tester, EVENTS, { ...record, after: cursor }, restarted.url);
    try {
      const after = await createVersion('PLANNING', record, tester);
      const events = (await resumed.untilMatch((payload) => payload.data?.versionEvents?.versionId === after.id)).map((payload) => payload.data?.versionEvents);
      expect(events.map((event) => event.versionId)).toEqual([...during, after].map((version) => version.id));
      expect(events.map((event) => event.versionNumber)).toEqual([2, 3, 4]);
    } finally {
      await resumed.close();
      await watcher.close();
      await restarted.stop();
    }
  });
});
