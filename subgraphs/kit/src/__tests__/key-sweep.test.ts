// The sweep of expired idempotency keys: one per database in a process, however many subgraphs share it, for as long
// as any of them runs. Its DELETE is the expiry test's business (tests/idempotency.test.ts, on PostgreSQL); here a
// client that counts its statements stands in, and Jest's clock runs the periods.
import type { PrismaClient } from '@phasegraph/db';
import { createLogger } from '../platform/log';
import { sweepExpiredKeys } from '../idempotency';

const PERIOD_MS = 1_000;
const logger = createLogger('silent');

/** A client that counts the statements it is asked to run (each sweep is one). */
function countingClient(): { prisma: PrismaClient; statements: () => number } {
  let count = 0;
  const prisma = {
    $executeRaw: () => {
      count += 1;
      return Promise.resolve(0);
    },
  } as unknown as PrismaClient;
  return { prisma, statements: () => count };
}

beforeEach(() => {
  jest.useFakeTimers();
  // The first sweep comes halfway through the first period, then one per period: at 0.5, 1.5, 2.5, … periods.
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('sweepExpiredKeys', () => {
  it('sweeps a database once a period, however many subgraphs ask, until the last stops', () => {
    const database = {};
    const first = countingClient();
    const second = countingClient();
    const stops = [sweepExpiredKeys(database, first.prisma, PERIOD_MS, logger), sweepExpiredKeys(database, second.prisma, PERIOD_MS, logger)];

    jest.advanceTimersByTime(4 * PERIOD_MS);
    expect(first.statements() + second.statements()).toBe(4);

    stops[0]!();
    stops[0]!(); // Stopping twice counts once.
    jest.advanceTimersByTime(2 * PERIOD_MS);
    expect(first.statements() + second.statements()).toBe(6);

    stops[1]!();
    jest.advanceTimersByTime(5 * PERIOD_MS);
    expect(first.statements() + second.statements()).toBe(6);
  });

  it('sweeps each database of its own', () => {
    const first = countingClient();
    const second = countingClient();
    const stops = [sweepExpiredKeys({}, first.prisma, PERIOD_MS, logger), sweepExpiredKeys({}, second.prisma, PERIOD_MS, logger)];
    jest.advanceTimersByTime(3 * PERIOD_MS);
    expect([first.statements(), second.statements()]).toEqual([3, 3]);
    for (const stop of stops) stop();
  });

  it('starts again when a database is used after its last user stopped', () => {
    const database = {};
    const client = countingClient();
    sweepExpiredKeys(database, client.prisma, PERIOD_MS, logger)();
    const stop = sweepExpiredKeys(database, client.prisma, PERIOD_MS, logger);
    jest.advanceTimersByTime(2 * PERIOD_MS);
    expect(client.statements()).toBe(2);
    stop();
  });
});
