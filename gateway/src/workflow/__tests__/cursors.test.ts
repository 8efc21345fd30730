// Page, event, activity and operation cursors on their own: what a cursor carries comes back unchanged, and anything that is not a cursor
// of the list being read is refused as BAD_USER_INPUT on `after`, never half-read.
import { decodeCursor, encodeCursor } from '../cursors';

const RECORD_ID = '6f1c6a52-3c43-4a59-9a1e-0d5e2c7a8b01';
const encode = (text: string) => Buffer.from(text).toString('base64url');

/** What decoding `cursor` as `kind` throws, as the client would see it. */
function refusal(cursor: string, kind: 'version' | 'record' | 'event' | 'activity' | 'operation') {
  try {
    decodeCursor(cursor, kind);
  } catch (error) {
    return error;
  }
  throw new Error(`${JSON.stringify(cursor)} was read as a ${kind} cursor`);
}

describe('page and event cursors', () => {
  it('give back the version number, the record position and the event id they were made from', () => {
    expect(decodeCursor(encodeCursor({ kind: 'version', versionNumber: 7 }), 'version')).toEqual({ kind: 'version', versionNumber: 7 });
    expect(decodeCursor(encodeCursor({ kind: 'version', versionNumber: 999_999_999 }), 'version')).toEqual({ kind: 'version', versionNumber: 999_999_999 });
    const record = { kind: 'record', createdAt: '2026-12-02T05:47:06.123Z', id: RECORD_ID } as const;
    expect(decodeCursor(encodeCursor(record), 'record')).toEqual(record);
    expect(decodeCursor(encodeCursor({ kind: 'event', id: 123_456_789_012_345_678n }), 'event')).toEqual({ kind: 'event', id: 123_456_789_012_345_678n });
    for (const source of ['version', 'activity'] as const) {
      const activity = { kind: 'activity', at: '2026-12-02T05:47:06.123Z', source, id: 42n } as const;
      expect(decodeCursor(encodeCursor(activity), 'activity')).toEqual(activity);
    }
    expect(decodeCursor(encodeCursor({ kind: 'operation', id: 7n }), 'operation')).toEqual({ kind: 'operation', id: 7n });
  });

  it('are opaque, URL-safe text', () => {
    const cursors = [
      encodeCursor({ kind: 'version', versionNumber: 42 }),
      encodeCursor({ kind: 'record', createdAt: '2026-12-02T05:47:06.123Z', id: RECORD_ID }),
      encodeCursor({ kind: 'event', id: 9n }),
    ];
    for (const cursor of cursors) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursors[0]).not.toContain('42');
  });

  it('refuse a cursor from another kind of list', () => {
    const version = encodeCursor({ kind: 'version', versionNumber: 3 });
    const record = encodeCursor({ kind: 'record', createdAt: '2026-12-02T05:47:06.123Z', id: RECORD_ID });
    const event = encodeCursor({ kind: 'event', id: 3n });
    const activity = encodeCursor({ kind: 'activity', at: '2026-12-02T05:47:06.123Z', source: 'version', id: 3n });
    const operation = encodeCursor({ kind: 'operation', id: 3n });
    for (const [cursor, kind] of [
      [version, 'record'],
      [version, 'event'],
      [record, 'version'],
      [record, 'event'],
      [event, 'version'],
      [event, 'record'],
      [event, 'activity'],
      [event, 'operation'],
      [activity, 'event'],
      [activity, 'operation'],
      [operation, 'event'],
      [operation, 'activity'],
    ] as const)
      expect(refusal(cursor, kind)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
  });

  it('refuse malformed cursors with BAD_USER_INPUT on `after`', () => {
    const malformed: [string, 'version' | 'record' | 'event' | 'activity' | 'operation'][] = [
      ['', 'version'],
      ['not a cursor', 'version'],
      ['bm90IGEgY3Vyc29y', 'version'],
      [encode('v:'), 'version'],
      [encode('v:-1'), 'version'],
      [encode('v:1.5'), 'version'],
      [encode('v:1 '), 'version'],
      [encode('v:1234567890'), 'version'],
      [encode('r:2026-12-02T05:47:06.123Z'), 'record'],
      [encode(`r:not a date|${RECORD_ID}`), 'record'],
      [encode(`r:|${RECORD_ID}`), 'record'],
      [encode('r:2026-12-02T05:47:06.123Z|not-a-uuid'), 'record'],
      [encode(`r:2026-12-02T05:47:06.123Z|${RECORD_ID}|x`), 'record'],
      [encode('e:'), 'event'],
      [encode('e:0x10'), 'event'],
      [encode('e:1234567890123456789'), 'event'],
      [encode('a:2026-12-02T05:47:06.123Z|v'), 'activity'],
      [encode('a:2026-12-02T05:47:06Z|v|1'), 'activity'],
      [encode('a:2026-13-45T05:47:06.123Z|v|1'), 'activity'],
      [encode('a:2026-12-02T05:47:06.123Z|x|1'), 'activity'],
      [encode('a:2026-12-02T05:47:06.123Z|a|-1'), 'activity'],
      [encode('o:'), 'operation'],
      [encode('o:1e3'), 'operation'],
    ];
    for (const [cursor, kind] of malformed) {
      const error = refusal(cursor, kind);
      expect(error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
      expect((error as Error).message).toBe('after is not a cursor from this list; pass an endCursor you were given.');
    }
  });
});
