// Read migration's routing: which (cycle, report) keys read from the new tables at a read percentage. The share must
// follow the percentage, a key must never flip back as the percentage rises, and a rolled-back phase reads none.
import fc from 'fast-check';
import { readBucket, readsFromNewTables } from '../read-router';

/** 10,000 distinct, fixed keys: a cycle with many reports, as a reporting period has. */
const keys = Array.from({ length: 10_000 }, (_, i) => ({
  cycleId: `00000000-0000-4000-8000-${(i % 7).toString(16).padStart(12, '0')}`,
  reportId: `00000000-0000-4000-9000-${i.toString(16).padStart(12, '0')}`,
}));

const shareReadingNew = (readPercentage: number) =>
  keys.filter(({ cycleId, reportId }) => readsFromNewTables({ active: true, readPercentage }, cycleId, reportId)).length / keys.length;

describe('read buckets', () => {
  it('puts every key in a bucket from 0 to 99, the same one every time', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (cycleId, reportId) => {
        const bucket = readBucket(cycleId, reportId);
        expect(Number.isInteger(bucket) && bucket >= 0 && bucket < 100).toBe(true);
        expect(readBucket(cycleId, reportId)).toBe(bucket);
      }),
    );
  });

  it('sends no key to the new tables at 0 %, and every key at 100 %', () => {
    expect(shareReadingNew(0)).toBe(0);
    expect(shareReadingNew(100)).toBe(1);
  });

  it.each([1, 5, 25, 50, 75, 99])('sends about %i % of keys to the new tables', (percentage) => {
    expect(Math.abs(shareReadingNew(percentage) - percentage / 100)).toBeLessThan(0.02);
  });

  it('never moves a key back to the legacy tables as the percentage rises', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (cycleId, reportId, a, b) => {
        const [lower, higher] = a <= b ? [a, b] : [b, a];
        if (readsFromNewTables({ active: true, readPercentage: lower }, cycleId, reportId)) {
          expect(readsFromNewTables({ active: true, readPercentage: higher }, cycleId, reportId)).toBe(true);
        }
      }),
    );
  });

  it('reads a rolled-back phase from the legacy tables whatever its percentage', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 0, max: 100 }), (cycleId, reportId, readPercentage) => {
        expect(readsFromNewTables({ active: false, readPercentage }, cycleId, reportId)).toBe(false);
      }),
    );
  });

  it('routes the reports of one cycle independently, not the whole cycle at once', () => {
    const cycleId = keys[0]!.cycleId;
    const buckets = new Set(keys.filter((key) => key.cycleId === cycleId).map(({ reportId }) => readBucket(cycleId, reportId)));
    expect(buckets.size).toBe(100);
  });
});
