// The fan-out's ordering and bounds on their own, against an in-memory log that behaves as the real one reads:
// events in (transaction, id) order, only from transactions that have ended.
import type { Logger } from '@phasegraph/kit';
import { EventFanOut, SubscriberTooSlowError, type EventSink } from '../event-fan-out';
import type { EventFilter, LogPosition, LogRead, VersionEventRow } from '../version-event-log';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined, child: () => silent } as unknown as Logger;
const REPORT = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

/** A log in memory: `append` commits an event and announces it, as a phase subgraph does. */
class MemoryLog {
  readonly rows: VersionEventRow[] = [];
  reads = 0;
  private readonly listeners = new Set<() => void>();
  private nextId = 1n;

  append(reportId: string, versionNumber: number): VersionEventRow {
    const id = this.nextId++;
    const row = {
      id,
      txId: id,
      type: 'CREATED',
      phase: 'PLANNING',
      versionId: `v${id}`,
      versionNumber,
      cycleId: 'c',
      reportId,
      actorId: 'a',
      at: new Date(),
    } as VersionEventRow;
    this.rows.push(row);
    for (const listener of this.listeners) listener();
    return row;
  }

  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async livePosition(): Promise<LogPosition> {
    const last = this.rows.at(-1);
    return last ? { txId: last.txId, id: last.id } : { txId: 0n, id: 0n };
  }

  async after(position: LogPosition, filter: EventFilter, limit: number, upTo?: LogPosition): Promise<LogRead> {
    this.reads++;
    await Promise.resolve();
    const rows = this.rows
      .filter((row) => row.id > position.id && (!upTo || row.id <= upTo.id) && (!filter.reportId || row.reportId === filter.reportId))
      .slice(0, limit);
    return { rows, heldBack: false };
  }
}

/** A sink recording what it is handed; `gate` holds deliveries back until opened. */
function recordingSink() {
  const delivered: VersionEventRow[] = [];
  const failures: unknown[] = [];
  const waiters: (() => void)[] = [];
  const sink: EventSink & { delivered: VersionEventRow[]; failures: unknown[]; until(count: number): Promise<void> } = {
    delivered,
    failures,
    async deliver(row) {
      delivered.push(row);
      waiters.splice(0).forEach((wake) => wake());
    },
    fail(error) {
      failures.push(error);
      waiters.splice(0).forEach((wake) => wake());
    },
    until(count) {
      return new Promise<void>((resolve) => {
        const check = () => (delivered.length >= count || failures.length > 0 ? resolve() : waiters.push(check));
        check();
      });
    },
  };
  return sink;
}

describe('the event fan-out', () => {
  it('gives a resuming subscriber the log since its cursor, then live events, in order, without repeat', async () => {
    const log = new MemoryLog();
    const fanOut = new EventFanOut(log, silent, 100);
    const live = recordingSink();
    await fanOut.subscribe({ reportId: REPORT }, null, live);
    for (let n = 1; n <= 5; n++) log.append(REPORT, n);
    await live.until(5);
    const resuming = recordingSink();
    await fanOut.subscribe({ reportId: REPORT }, { txId: 2n, id: 2n }, resuming);
    for (let n = 6; n <= 8; n++) log.append(REPORT, n);
    await resuming.until(6);
    expect(resuming.delivered.map((row) => row.versionNumber)).toEqual([3, 4, 5, 6, 7, 8]);
    await live.until(8);
    expect(live.delivered.map((row) => row.versionNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    fanOut.close();
  });

  it('gives a subscriber resuming from a cursor ahead of this reader (seen on another gateway) nothing twice', async () => {
    const log = new MemoryLog();
    const fanOut = new EventFanOut(log, silent, 100);
    const live = recordingSink();
    await fanOut.subscribe({ reportId: REPORT }, null, live);
    for (let n = 1; n <= 3; n++) log.append(REPORT, n);
    await live.until(3);
    // Its last event was number 5, heard elsewhere; this reader has read up to 3.
    const resuming = recordingSink();
    await fanOut.subscribe({ reportId: REPORT }, { txId: 5n, id: 5n }, resuming);
    for (let n = 4; n <= 6; n++) log.append(REPORT, n);
    await live.until(6);
    await resuming.until(1);
    expect(resuming.delivered.map((row) => row.versionNumber)).toEqual([6]);
    fanOut.close();
  });

  it('hands an event only to the subscribers of its report, reading the log once per commit for all of them', async () => {
    const log = new MemoryLog();
    const fanOut = new EventFanOut(log, silent, 100);
    const mine = [recordingSink(), recordingSink(), recordingSink()];
    const elsewhere = recordingSink();
    for (const sink of mine) await fanOut.subscribe({ reportId: REPORT }, null, sink);
    await fanOut.subscribe({ reportId: OTHER }, null, elsewhere);
    const readsBefore = log.reads;
    log.append(REPORT, 1);
    await Promise.all(mine.map((sink) => sink.until(1)));
    expect(log.reads - readsBefore).toBe(1);
    expect(elsewhere.delivered).toEqual([]);
    fanOut.close();
  });

  it('gives up on a subscriber whose queue passes the limit, and goes on for the others', async () => {
    const log = new MemoryLog();
    const fanOut = new EventFanOut(log, silent, 3);
    const stuck = recordingSink();
    stuck.deliver = () => new Promise<void>(() => undefined); // never done: everything after the first queues
    const healthy = recordingSink();
    await fanOut.subscribe({ reportId: REPORT }, null, stuck);
    await fanOut.subscribe({ reportId: REPORT }, null, healthy);
    // One event at a time, so the healthy subscriber's queue never grows while the stuck one's does.
    for (let n = 1; n <= 6; n++) {
      log.append(REPORT, n);
      await healthy.until(n);
    }
    expect(stuck.failures).toEqual([expect.any(SubscriberTooSlowError)]);
    expect(healthy.delivered.map((row) => row.versionNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    fanOut.close();
  });

  it('does not read the log while nobody listens', async () => {
    const log = new MemoryLog();
    const fanOut = new EventFanOut(log, silent, 100);
    const unsubscribe = await fanOut.subscribe({}, null, recordingSink());
    unsubscribe();
    const readsBefore = log.reads;
    log.append(REPORT, 1);
    await Promise.resolve();
    expect(log.reads).toBe(readsBefore);
    fanOut.close();
  });
});
