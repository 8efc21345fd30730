// Subscriptions across gateway processes: several gateways on one database each hear every write, and a gateway
// restarted under its subscribers loses none of their events. PostgreSQL only: the processes share its database.
import { createVersion, newRecord, newUser, stack } from './support/api';
import { startExtraGateway } from './support/stack';
import WebSocket from 'ws';
import { FROM_THE_START, subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
const EVENTS = `subscription ($cycleId: ID, $reportId: ID, $after: String) {
  versionEvents(cycleId: $cycleId, reportId: $reportId, after: $after) { cursor type versionId versionNumber actor { id } }
}`;
const onPostgres = stack.databaseUrl ? describe : describe.skip;
const eventsOf = (received: { data?: any }[]) => received.map((payload) => payload.data?.versionEvents);

onPostgres('several gateways', () => {
  it('a subscriber on one gateway hears, in order and exactly once, the writes made through another', async () => {
    const other = await startExtraGateway(stack);
    const record = newRecord();
    const watcher = subscribe(tester, EVENTS, { ...record, after: FROM_THE_START }, other.url);
    try {
      const created: string[] = [];
      for (let i = 0; i < 8; i++) created.push((await createVersion('PLANNING', record, tester)).id); // through the first gateway
      const received = eventsOf(await watcher.untilMatch((payload) => payload.data?.versionEvents?.versionId === created.at(-1)));
      expect(received.map((event) => [event.type, event.versionNumber, event.versionId])).toEqual(created.map((id, i) => ['CREATED', i + 1, id]));
      expect(received.every((event) => event.actor.id === tester.id)).toBe(true);
    } finally {
      await watcher.close();
      await other.stop();
    }
  });

  it('a gateway restarted under its subscribers: each resumes with after and gets every event exactly once', async () => {
    const first = await startExtraGateway(stack);
    const port = Number(new URL(first.url).port);
    const records = [newRecord(), newRecord(), newRecord()];
    const watchers = records.map((record) => subscribe(tester, EVENTS, { ...record, after: FROM_THE_START }, first.url));
    const created = new Map(records.map((record) => [record.reportId, [] as string[]]));
    const write = async () => {
      for (const record of records) created.get(record.reportId)!.push((await createVersion('SCOPING', record, tester)).id);
    };
    await write();
    const seen = await Promise.all(watchers.map(async (watcher, i) => eventsOf(await watcher.until(created.get(records[i]!.reportId)!.length))));
    // The gateway goes away (its clients see the socket close), writes go on through the test stack's gateway, and
    // it comes back where its clients expect it.
    await first.stop();
    await Promise.all(watchers.map((watcher) => watcher.close()));
    await write();
    const restarted = await startExtraGateway(stack, port);
    const resumed = records.map((record, i) => subscribe(tester, EVENTS, { ...record, after: seen[i]!.at(-1).cursor }, restarted.url));
    try {
      await write();
      for (const [i, record] of records.entries()) {
        const ids = created.get(record.reportId)!;
        const rest = eventsOf(await resumed[i]!.untilMatch((payload) => payload.data?.versionEvents?.versionId === ids.at(-1)));
        const all = [...seen[i]!, ...rest];
        expect(all.map((event) => event.versionId)).toEqual(ids);
        expect(all.map((event) => event.versionNumber)).toEqual(ids.map((_, n) => n + 1));
      }
    } finally {
      await Promise.all(resumed.map((watcher) => watcher.close()));
      await restarted.stop();
    }
  });
});

onPostgres('a subscriber that stops reading', () => {
  it('is closed with 4008 and the cursor to resume after, and resuming there misses and repeats nothing', async () => {
    const gateway = await startExtraGateway(stack, undefined, { SUBSCRIPTION_MAX_BUFFERED_BYTES: String(256 * 1024) });
    const record = newRecord();
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { type: string; id?: string; payload?: any }[] = [];
    const arrived: (() => void)[] = [];
    socket.on('message', (data) => {
      messages.push(JSON.parse(data.toString()));
      arrived.splice(0).forEach((wake) => wake());
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const next = () => messages.filter((message) => message.type === 'next').map((message) => message.payload.data.versionEvents);
    const waitFor = (done: () => boolean) => new Promise<void>((resolve) => (done() ? resolve() : arrived.push(() => void waitFor(done).then(resolve))));
    try {
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tester.token}` } }));
      await waitFor(() => messages.some((message) => message.type === 'connection_ack'));
      // Each event carries its version's data ten times over (aliases), so that a few writes fill the buffers: under load
      // a write takes long, and the kernel's socket buffers hold megabytes.
      const copies = Array.from({ length: 10 }, (_, copy) => `data${copy}: data`).join(' ');
      const query = `subscription ($reportId: ID, $after: String) { versionEvents(reportId: $reportId, after: $after) { cursor versionId record { ... on Version { ${copies} } } } }`;
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { reportId: record.reportId, after: FROM_THE_START } } }));
      const created = [(await createVersion('PLANNING', record, tester)).id];
      await waitFor(() => next().length === 1);
      // The client stops reading; each event now carries 10 × 200 KB, until the kernel's buffers and the limit overflow and
      // the gateway gives up on it (its log says so). The client reads again at once: the server waits for the close
      // handshake only so long (30 s), and a client that never reads would see the connection cut (1006), not 4008.
      socket.pause();
      let givenUp = false;
      const gaveUp = gateway.output
        .until((text) => (text.includes('subscriber too slow') ? true : undefined))
        .then(() => {
          givenUp = true;
          socket.resume();
        });
      for (let i = 0; !givenUp; i++) created.push((await createVersion('PLANNING', record, tester, { data: { blob: 'x'.repeat(200_000), i } })).id);
      await gaveUp;
      const { code, reason } = await closed;
      expect(code).toBe(4008);
      const resumeAfter = /after (\S+)$/.exec(reason)?.[1];
      expect(resumeAfter).toBe(next().at(-1).cursor);
      expect(next().length).toBeLessThan(created.length);
      const resumed = subscribe(tester, EVENTS, { ...record, after: resumeAfter }, gateway.url);
      try {
        const rest = eventsOf(await resumed.untilMatch((payload) => payload.data?.versionEvents?.versionId === created.at(-1)));
        expect([...next(), ...rest].map((event) => event.versionId)).toEqual(created);
      } finally {
        await resumed.close();
      }
    } finally {
      socket.terminate();
      await gateway.stop();
    }
  });
});
