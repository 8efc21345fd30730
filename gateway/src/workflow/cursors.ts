// Opaque page cursors: a version's number, or an audit record's (creation time, id), base64url-encoded.
import { badUserInput } from '@phasegraph/kit';

/** Where a page of versions starts: below this version number. */
export interface VersionCursor {
  kind: 'version';
  versionNumber: number;
}

/** Where a page of audit records starts: after this record, newest first. */
export interface RecordCursor {
  kind: 'record';
  createdAt: string;
  id: string;
}

/** Where an event stands in the log. */
export interface EventCursor {
  kind: 'event';
  id: bigint;
}

type Cursor = VersionCursor | RecordCursor | EventCursor;

export function encodeCursor(cursor: Cursor): string {
  const text = cursor.kind === 'version' ? `v:${cursor.versionNumber}` : cursor.kind === 'record' ? `r:${cursor.createdAt}|${cursor.id}` : `e:${cursor.id}`;
  return Buffer.from(text).toString('base64url');
}

/** Reads a cursor of the expected kind; anything else is BAD_USER_INPUT. */
export function decodeCursor<Kind extends Cursor['kind']>(cursor: string, kind: Kind): Extract<Cursor, { kind: Kind }> {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (kind === 'version') {
    const match = /^v:(\d{1,9})$/.exec(text);
    if (match) return { kind: 'version', versionNumber: Number(match[1]) } as Extract<Cursor, { kind: Kind }>;
  } else if (kind === 'record') {
    const match = /^r:([^|]+)\|([0-9a-f-]{36})$/.exec(text);
    if (match && !Number.isNaN(Date.parse(match[1]!))) return { kind: 'record', createdAt: match[1]!, id: match[2]! } as Extract<Cursor, { kind: Kind }>;
  } else {
    const match = /^e:(\d{1,18})$/.exec(text);
    if (match) return { kind: 'event', id: BigInt(match[1]!) } as Extract<Cursor, { kind: Kind }>;
  }
  throw badUserInput('after is not a cursor from this list; pass an endCursor you were given.', { argument: 'after' });
}
