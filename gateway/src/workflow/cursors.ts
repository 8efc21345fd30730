// Opaque page cursors: a version's number, an audit record's (creation time, id), an event's id, a report activity's
// (time, log, id) or a migration operation's id, base64url-encoded.
import { badUserInput, isStorableInstant } from '@phasegraph/kit';

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

/** Where a page of a report's activity starts: after this row (its time, its log and its id there), newest first. */
export interface ActivityCursor {
  kind: 'activity';
  at: string;
  source: 'version' | 'activity';
  id: bigint;
}

/** Where a page of migration operations starts: below this operation's id. */
export interface OperationCursor {
  kind: 'operation';
  id: bigint;
}

type Cursor = VersionCursor | RecordCursor | EventCursor | ActivityCursor | OperationCursor;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(cursorText(cursor)).toString('base64url');
}

function cursorText(cursor: Cursor): string {
  switch (cursor.kind) {
    case 'version':
      return `v:${cursor.versionNumber}`;
    case 'record':
      return `r:${cursor.createdAt}|${cursor.id}`;
    case 'event':
      return `e:${cursor.id}`;
    case 'activity':
      return `a:${cursor.at}|${cursor.source === 'version' ? 'v' : 'a'}|${cursor.id}`;
    case 'operation':
      return `o:${cursor.id}`;
  }
}

/** Reads a cursor of the expected kind; anything else is BAD_USER_INPUT. */
export function decodeCursor<Kind extends Cursor['kind']>(cursor: string, kind: Kind): Extract<Cursor, { kind: Kind }> {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (kind === 'version') {
    const match = /^v:(\d{1,9})$/.exec(text);
    if (match) return { kind: 'version', versionNumber: Number(match[1]) } as Extract<Cursor, { kind: Kind }>;
  } else if (kind === 'record') {
    const match = /^r:([^|]+)\|([0-9a-f-]{36})$/.exec(text);
    if (match && isStorableInstant(new Date(match[1]!))) return { kind: 'record', createdAt: match[1]!, id: match[2]! } as Extract<Cursor, { kind: Kind }>;
  } else if (kind === 'event') {
    const match = /^e:(\d{1,18})$/.exec(text);
    if (match) return { kind: 'event', id: BigInt(match[1]!) } as Extract<Cursor, { kind: Kind }>;
  } else if (kind === 'activity') {
    const match = /^a:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([va])\|(\d{1,18})$/.exec(text);
    if (match && isStorableInstant(new Date(match[1]!)))
      return { kind: 'activity', at: match[1]!, source: match[2] === 'v' ? 'version' : 'activity', id: BigInt(match[3]!) } as Extract<Cursor, { kind: Kind }>;
  } else {
    const match = /^o:(\d{1,18})$/.exec(text);
    if (match) return { kind: 'operation', id: BigInt(match[1]!) } as Extract<Cursor, { kind: Kind }>;
  }
  throw badUserInput('after is not a cursor from this list; pass an endCursor you were given.', { argument: 'after' });
}
