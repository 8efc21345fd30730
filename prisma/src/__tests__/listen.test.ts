// LISTEN on PostgreSQL (with DATABASE_URL; PGlite has no connection to lose): a listener that cannot start says so,
// and one whose connection is lost logs it, connects again and calls its listener once back, then hears as before.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type DatabaseLogger } from '../database';

const serverUrl = process.env.DATABASE_URL;

/** What was logged, and a way to wait for a message. */
function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const waiting = new Map<string, () => void>();
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
    waiting.get(message)?.();
  };
  const logger: DatabaseLogger = { info: log('info'), warn: log('warn') };
  const logged = (message: string) => new Promise<void>((resolve) => waiting.set(message, resolve));
  return { logger, lines, logged };
}

/** Runs one statement on the server outside the database under test. */
async function onServer(sql: string, values: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

(serverUrl ? describe : describe.skip)('LISTEN on PostgreSQL', () => {
  it('fails to start with the reason, logged, when the server cannot be reached', async () => {
    const { logger, lines } = recordingLogger();
    const unreachable = new URL(serverUrl!);
    unreachable.port = '1';
    const database = openDatabase({ url: unreachable.toString(), logger });
    await expect(database.listen('phasegraph_unreachable', () => {})).rejects.toThrow();
    expect(lines).toEqual([{ level: 'warn', message: 'could not LISTEN', fields: { channel: 'phasegraph_unreachable', error: expect.any(String) } }]);
  });

  it('logs a lost connection, connects again, calls the listener, and hears notifications again', async () => {
    const { logger, lines, logged } = recordingLogger();
    const channel = `phasegraph_test_${randomUUID().replaceAll('-', '')}`;
    const database = openDatabase({ url: serverUrl, logger });
    let notified: () => void = () => {};
    const nextNotification = () => new Promise<void>((resolve) => (notified = resolve));
    const stop = await database.listen(channel, () => notified());
    try {
      const back = logged('LISTEN connection back');
      const calledAgain = nextNotification();
      await onServer('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [`LISTEN "${channel}"`]);
      await Promise.all([back, calledAgain]);
      expect(lines.map(({ level, message }) => [level, message])).toEqual([
        ['warn', 'LISTEN connection lost; connecting again'],
        ['info', 'LISTEN connection back'],
      ]);
      expect(lines[0]!.fields).toEqual({ channel, error: expect.stringMatching(/terminat/) });

      const heard = nextNotification();
      await onServer(`NOTIFY "${channel}"`);
      await heard;
    } finally {
      await stop();
      await database.close();
    }
  });
});
