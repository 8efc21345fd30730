// One reader of the version event log per gateway, handing each event to the subscriptions it concerns. A commit
// wakes the reader once, whatever the number of subscriptions; an event is matched against the subscriptions of its
// report (and those without a report filter) only, so subscriptions elsewhere cost a writer nothing.
import type { Logger } from '@phasegraph/kit';
import type { EventFilter, LogPosition, VersionEventLog, VersionEventRow } from './version-event-log';

/** Events read per query. */
const BATCH = 500;
/** How soon to look again when committed events wait behind a running transaction that may never announce its end. */
const HELD_BACK_RETRY_MS = { first: 5, max: 200 };

/** Where a subscriber's events go, in log order; `deliver` is called again only once the previous call settled. */
export interface EventSink {
  /** `live`: read as it committed, not caught up from the log after a cursor (its lag is the delivery's, not history's). */
  deliver(row: VersionEventRow, live: boolean): Promise<void>;
  /** The subscriber could not keep up or its delivery failed: it is dropped from the fan-out. */
  fail(error: unknown): void;
}

/** A subscriber as the fan-out keeps it: its filter, where it stands, and the events queued for it. */
class Subscriber {
  /** Events read while it catches up from the log, or waiting for the previous delivery. */
  readonly queue: VersionEventRow[] = [];
  delivering = false;
  closed = false;
  /** While it catches up from the log, live events only queue behind what the catch-up will deliver first. */
  holding = true;

  constructor(
    readonly filter: EventFilter,
    readonly sink: EventSink,
    /** Most events it may have queued; past this it is failed (its memory stays bounded). */
    readonly maxQueued: number,
    /** Where it resumes from: events at or before it are not its (its cursor may be ahead of this gateway's reader). */
    private readonly floor: LogPosition | null,
  ) {}

  matches(row: VersionEventRow): boolean {
    const { phase, cycleId, reportId, types } = this.filter;
    return (
      (!phase || row.phase === phase) &&
      (!cycleId || row.cycleId === cycleId) &&
      (!reportId || row.reportId === reportId) &&
      (!types || types.includes(row.type))
    );
  }

  /** Queues `row`; once caught up, delivers the queue in order, one event at a time. */
  push(row: VersionEventRow): void {
    if (this.closed || (this.floor && (row.txId < this.floor.txId || (row.txId === this.floor.txId && row.id <= this.floor.id)))) return;
    if (this.queue.length >= this.maxQueued) return this.failWith(new SubscriberTooSlowError(`More than ${this.maxQueued} events waited for this subscriber.`));
    this.queue.push(row);
    if (!this.delivering && !this.holding) void this.run();
  }

  /**
   * Delivers `catchUp` (batches read from the log, up to where live events begin), then what queued meanwhile, then
   * live events as they come. Catching up streams batch by batch: a long absence costs no more memory than a batch.
   */
  async run(catchUp?: AsyncIterable<VersionEventRow[]>): Promise<void> {
    this.delivering = true;
    try {
      if (catchUp) for await (const batch of catchUp) for (const row of batch) if (!this.closed) await this.sink.deliver(row, false);
      this.holding = false;
      while (!this.closed && this.queue.length > 0) await this.sink.deliver(this.queue.shift()!, true);
    } catch (error) {
      this.failWith(error);
    } finally {
      this.delivering = false;
    }
  }

  private failWith(error: unknown): void {
    this.closed = true;
    this.queue.length = 0;
    this.sink.fail(error);
  }
}

/** A subscriber fell too far behind (the events waiting for it, or the bytes unsent on its socket, passed a limit). */
export class SubscriberTooSlowError extends Error {}

export class EventFanOut {
  /** Subscribers by the report they filter on; '' holds those without a report filter. */
  private readonly byReport = new Map<string, Set<Subscriber>>();
  private count = 0;
  /** Set from the log's live position when the first subscriber arrives. */
  private position: LogPosition = { txId: 0n, id: 0n };
  private reading: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = HELD_BACK_RETRY_MS.first;
  private readonly stopListening: () => void;

  constructor(
    private readonly log: Pick<VersionEventLog, 'after' | 'livePosition' | 'onCommit'>,
    private readonly logger: Logger,
    private readonly maxQueued: number,
  ) {
    this.stopListening = log.onCommit(() => this.wake());
  }

  /**
   * Adds a subscriber. Without `after` it hears of every event from now on; with it, first of every matching event
   * after that position, in order, then of live ones: no gap, no repeat. Returns the way to remove it.
   */
  async subscribe(filter: EventFilter, after: LogPosition | null, sink: EventSink): Promise<() => void> {
    if (this.count === 0 && !this.reading) {
      // The reader rests while nobody listens; it starts again from now. (Another first subscriber may have won.)
      const live = await this.log.livePosition();
      if (this.count === 0 && !this.reading) this.position = live;
    }
    const subscriber = new Subscriber(filter, sink, this.maxQueued, after);
    const key = filter.reportId ?? '';
    // Registered (holding) and the reader's position taken in one step: what the reader hands it from now on comes
    // after `caughtUpTo`, and the catch-up reads the log up to exactly there.
    if (!this.byReport.has(key)) this.byReport.set(key, new Set());
    this.byReport.get(key)!.add(subscriber);
    this.count++;
    const caughtUpTo = this.position;
    void subscriber.run(after ? this.batches(filter, after, caughtUpTo) : undefined);
    return () => {
      if (this.byReport.get(key)?.delete(subscriber)) this.count--;
      subscriber.closed = true;
    };
  }

  close(): void {
    this.stopListening();
    clearTimeout(this.retryTimer);
    this.byReport.clear();
    this.count = 0;
  }

  /** The matching events after `from` up to and including `to`, read from the log batch by batch. */
  private async *batches(filter: EventFilter, from: LogPosition, to: LogPosition): AsyncGenerator<VersionEventRow[]> {
    for (let position = from; ;) {
      const { rows } = await this.log.after(position, filter, BATCH, to);
      yield rows;
      if (rows.length < BATCH) return;
      position = { txId: rows.at(-1)!.txId, id: rows.at(-1)!.id };
    }
  }

  /** A commit may have added events: read them now, or once more after the read under way. */
  private wake(): void {
    if (this.count === 0) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async readNew(): Promise<void> {
    clearTimeout(this.retryTimer);
    try {
      for (;;) {
        const { rows, heldBack } = await this.log.after(this.position, {}, BATCH);
        for (const row of rows) this.dispatch(row);
        if (rows.length > 0) this.position = { txId: rows.at(-1)!.txId, id: rows.at(-1)!.id };
        if (rows.length === BATCH) continue;
        if (heldBack) {
          this.retryTimer = setTimeout(() => this.wake(), this.retryMs).unref();
          this.retryMs = Math.min(this.retryMs * 2, HELD_BACK_RETRY_MS.max);
        } else {
          this.retryMs = HELD_BACK_RETRY_MS.first;
        }
        return;
      }
    } catch (error) {
      // The next commit (or a reconnect of the LISTEN connection) wakes the reader again; nothing is skipped.
      this.logger.warn('could not read the version event log', { error: error instanceof Error ? error.message : String(error) });
      this.retryTimer = setTimeout(() => this.wake(), HELD_BACK_RETRY_MS.max).unref();
    }
  }

  private dispatch(row: VersionEventRow): void {
    for (const key of [row.reportId, '']) {
      for (const subscriber of this.byReport.get(key) ?? []) if (subscriber.matches(row)) subscriber.push(row);
    }
  }
}
