// Paging: a client's `first` and `after` become one request for a page of a phase subgraph's versions or audit
// records, which itself says whether another page follows; the page becomes a Relay connection with opaque cursors.
import {
  MAX_PAGE_SIZE,
  auditPhaseDocuments,
  badUserInput,
  fullPhaseDocuments,
  type AuditPhase,
  type FullPhase,
  type PhaseName,
  type VersionStatus,
} from '@phasegraph/kit';
import type { WorkflowContext } from './context';
import { decodeCursor, encodeCursor } from './cursors';
import { recordStub, versionStub, type PhaseCall } from './dispatch';

/** The page size when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

/** Which page of a phase's versions or records a client asks for. */
export interface PageArgs {
  phase: PhaseName;
  cycleId: string;
  reportId: string;
  first?: number | null;
  after?: string | null;
}

/** A page of a FULL phase's versions, newest first, optionally of one status. */
export async function versionConnection(call: PhaseCall, phase: FullPhase, args: PageArgs & { status?: VersionStatus | null }, context: WorkflowContext) {
  const first = pageSize(args.first);
  const before = args.after ? decodeCursor(args.after, 'version').versionNumber : null;
  const { page } = await call(
    phase,
    fullPhaseDocuments(phase).versionPage,
    { cycleId: args.cycleId, reportId: args.reportId, status: args.status ?? null, first, beforeVersionNumber: before },
    context,
  );
  return connection(page, Boolean(args.after), (row) => ({
    cursor: encodeCursor({ kind: 'version', versionNumber: row.versionNumber }),
    node: versionStub(phase, row.id),
  }));
}

/** A page of an AUDIT_ONLY phase's records, newest first. */
export async function recordConnection(call: PhaseCall, phase: AuditPhase, args: PageArgs, context: WorkflowContext) {
  const first = pageSize(args.first);
  const before = args.after ? decodeCursor(args.after, 'record') : null;
  const { page } = await call(
    phase,
    auditPhaseDocuments(phase).recordPage,
    { cycleId: args.cycleId, reportId: args.reportId, first, beforeCreatedAt: before?.createdAt ?? null, beforeId: before?.id ?? null },
    context,
  );
  return connection(page, Boolean(args.after), (row) => ({
    cursor: encodeCursor({ kind: 'record', createdAt: new Date(row.createdAt).toISOString(), id: row.id }),
    node: recordStub(phase, row.id),
  }));
}

/** `first` as asked, or the default; BAD_USER_INPUT outside 1 to MAX_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first' });
  return size;
}

/** A Relay connection from a subgraph's page, which says itself whether another page follows. */
export function connection<Row, Edge extends { cursor: string }>(page: { nodes: Row[]; hasNextPage: boolean }, afterCursor: boolean, edge: (row: Row) => Edge) {
  const edges = page.nodes.map(edge);
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: afterCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
