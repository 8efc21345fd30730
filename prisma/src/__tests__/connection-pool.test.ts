// The subgraphs' connection pools on PostgreSQL (with DATABASE_URL): a connection the server ends while it is handed
// out, before its new user listens for errors, does not end the process; the pool replaces it.
import pg from 'pg';
import { poolSettings } from '../database';

const serverUrl = process.env.DATABASE_URL;

(serverUrl ? describe : describe.skip)('a subgraph connection pool on PostgreSQL', () => {
  it('survives the server ending a connection that is handed out and not yet listened to, and replaces it', async () => {
    const pool = new pg.Pool(poolSettings(serverUrl!, 1));
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      // Handed out, pg-pool's own error listener is off, and the driver adapter's transaction puts its own on only when
      // it resumes: until then an error the connection emits must still find a listener.
      const connection = await pool.connect();
      try {
        expect(connection.listenerCount('error')).toBeGreaterThan(0);
        // Not events.once: it would listen for 'error' too, and that listener is what must not be needed.
        const ended = new Promise((resolve) => connection.once('end', resolve));
        const { processID } = connection as pg.PoolClient & { processID: number };
        const { rows } = await admin.query<{ terminated: boolean }>('SELECT pg_terminate_backend($1) AS terminated', [processID]);
        expect(rows[0]!.terminated).toBe(true);
        // The server's FATAL and the closed socket have both been delivered, and the process goes on.
        await ended;
        await expect(connection.query('SELECT 1')).rejects.toThrow(/not queryable|Connection terminated/);
      } finally {
        connection.release(true);
      }
      const { rows: after } = await pool.query<{ answer: number }>('SELECT 1 AS answer');
      expect(after).toEqual([{ answer: 1 }]);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});
