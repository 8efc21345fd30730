// Faults of the platform, not of the request: a transaction whose connection is cut before it commits is run again
// by the server, so the client gets its answer and the write is stored once (PostgreSQL: the test cuts a connection).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { allVersions, createVersion, newRecord, newUser, stack } from './support/api';

const onPostgres = stack.databaseUrl ? it : it.skip;

/**
 * Waits until a backend is blocked by `holder`'s lock (other than those in `except`), by asking the database: a state,
 * not a time. Other suites' transactions may be waiting on locks of their own at the same moment; only ours count.
 */
async function nextWaiterOn(db: Client, holder: number, except: number[] = []): Promise<number> {
  for (;;) {
    const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) AND NOT (pid = ANY($2::int[]))', [
      holder,
      except,
    ]);
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the interval between two looks, not a wait for an outcome
  }
}

describe('a transient fault of the database', () => {
  onPostgres('is retried by the server when it cut a transaction before its commit: the client gets its version, stored once', async () => {
    const tester = newUser('TESTER');
    const record = newRecord();
    const holder = new Client({ connectionString: stack.databaseUrl });
    const observer = new Client({ connectionString: stack.databaseUrl });
    await Promise.all([holder.connect(), observer.connect()]);
    try {
      // Hold the record's lock, so the create's transaction waits on it, in the middle of its work.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`PLANNING:${record.cycleId}:${record.reportId}`]);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

      const created = createVersion('PLANNING', record, tester, { items: [{ itemId: randomUUID(), itemData: { n: 1 } }] });
      const first = await nextWaiterOn(observer, holderPid);
      // As a restart or a failover does: the server ends that connection (57P01), rolling its transaction back.
      await observer.query('SELECT pg_terminate_backend($1)', [first]);
      // The server runs the transaction again, on another connection, and waits on the lock again (an answer first
      // means it did not: the test fails at once with that answer).
      const answeredFirst = created.then(
        (version) => Promise.reject(new Error(`answered without running the transaction again: ${JSON.stringify(version)}`)),
        (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
      );
      await Promise.race([nextWaiterOn(observer, holderPid, [first]), answeredFirst]);
      await holder.query('COMMIT');

      const version = await created;
      expect(version).toMatchObject({ versionNumber: 1, status: 'DRAFT' });
      const versions = await allVersions('PLANNING', record, tester);
      expect(versions.map((row) => row.id)).toEqual([version.id]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), observer.end()]);
    }
  });
});
