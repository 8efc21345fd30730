// The workflow's history: what changed between two versions (versionDiff), the version approved at a moment
// (currentVersion's asOf), a report's activity and the migration's, read from the event log and compat's record of
// migration operations; and the fields of an Activity.
import {
  PHASES,
  badUserInput,
  diffVersions,
  fullPhaseDocuments,
  isFullPhase,
  notFound,
  requireUser,
  requireUuid,
  type FullPhase,
  type FullPhaseDocuments,
  type PhaseName,
  type ResultOf,
  type SubgraphDirectory,
} from '@phasegraph/kit';
import type { ActivityLog, ActivityRow } from '../events/activity-log';
import type { VersionEventLog } from '../events/version-event-log';
import { connection, pageSize } from './connections';
import type { WorkflowContext } from './context';
import { decodeCursor, encodeCursor } from './cursors';
import { decisionStub, fullPhase, versionStub, type PhaseCall } from './dispatch';

/** A report's activity, or a migration operation, as an Activity resolves it (cycle, report and version null for the latter). */
type ActivityNode = Omit<ActivityRow, 'source' | 'id' | 'reportId'> & { reportId: string | null };

/** A version as versionDiff reads it from its phase subgraph. */
type ComparedVersion = Extract<ResultOf<FullPhaseDocuments['comparedVersions']>['versions'][number], { id: string }>;

/** Compat's record of migration operations, a page at a time (an internal operation of compat's). */
const MIGRATION_OPERATION_PAGE = `query MigrationOperationPage($phase: PhaseName, $first: Int!, $beforeId: ID) {
  page: migrationOperationPage(phase: $phase, first: $first, beforeId: $beforeId) { nodes { id type phase actorId at details } hasNextPage }
}`;

interface MigrationOperationPage {
  page: {
    nodes: { id: string; type: string; phase: PhaseName; actorId: string; at: Date | string; details: unknown }[];
    hasNextPage: boolean;
  };
}

/** The history fields of Query. */
export function historyQueries(call: PhaseCall, events: VersionEventLog, activity: ActivityLog, subgraphs: SubgraphDirectory) {
  return {
    versionDiff: async (_: unknown, args: { phase: PhaseName; fromVersionId: string; toVersionId: string }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase);
      const fromId = requireUuid(args.fromVersionId, 'fromVersionId');
      const toId = requireUuid(args.toVersionId, 'toVersionId');
      // One call for both: the phase subgraph reads the two versions in one query, and their decisions in another.
      const { versions } = await call(
        phase,
        fullPhaseDocuments(phase).comparedVersions,
        { representations: [fromId, toId].map((id) => ({ __typename: phase.versionType, id })) },
        context,
      );
      const [from, to] = versions.map((version) => (isComparedVersion(version) ? version : null));
      if (!from || !to) throw await missingVersion(events, phase, from ? ['toVersionId', toId] : ['fromVersionId', fromId]);
      if (from.cycleId !== to.cycleId || from.reportId !== to.reportId) {
        throw badUserInput(
          `Versions of one cycle and report only: version ${fromId} is of cycle ${from.cycleId} and report ${from.reportId}, version ${toId} of cycle ${to.cycleId} and report ${to.reportId}.`,
          { argument: 'toVersionId' },
        );
      }
      const diff = diffVersions(from, to);
      return {
        from: versionStub(phase, from.id),
        to: versionStub(phase, to.id),
        data: diff.data,
        decisions: diff.decisions.map(({ itemId, change, before, after }) => ({
          itemId,
          change,
          before: before && decisionStub(phase, before.id),
          after: after && decisionStub(phase, after.id),
        })),
      };
    },
    activity: async (
      _: unknown,
      args: { cycleId: string; reportId: string; phase?: PhaseName | null; first?: number | null; after?: string | null },
      context: WorkflowContext,
    ) => {
      requireUser(context);
      const scope = { cycleId: requireUuid(args.cycleId, 'cycleId'), reportId: requireUuid(args.reportId, 'reportId'), phase: args.phase ?? null };
      const first = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after, 'activity') : null;
      const rows = await activity.page(scope, first + 1, after && { at: new Date(after.at), source: after.source, id: after.id });
      return connection({ nodes: rows.slice(0, first), hasNextPage: rows.length > first }, Boolean(args.after), (row) => ({
        cursor: encodeCursor({ kind: 'activity', at: row.at.toISOString(), source: row.source, id: row.id }),
        node: row,
      }));
    },
    migrationActivity: async (_: unknown, args: { phase?: PhaseName | null; first?: number | null; after?: string | null }, context: WorkflowContext) => {
      const first = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after, 'operation') : null;
      // Compat owns the record and checks the caller is an ADMIN.
      const { page } = await subgraphs
        .client('compat')
        .request<MigrationOperationPage>(
          MIGRATION_OPERATION_PAGE,
          { phase: args.phase ?? null, first, beforeId: after ? String(after.id) : null },
          requireUser(context),
          context,
        );
      return connection(page, Boolean(args.after), (operation) => ({
        cursor: encodeCursor({ kind: 'operation', id: BigInt(operation.id) }),
        node: {
          type: operation.type,
          phase: operation.phase,
          cycleId: null,
          reportId: null,
          versionId: null,
          versionNumber: null,
          itemId: null,
          actorId: operation.actorId,
          at: new Date(operation.at),
          details: JSON.stringify(operation.details),
        } satisfies ActivityNode,
      }));
    },
  };
}

/** currentVersion with `asOf`: the version that was APPROVED then, from the event log; NOT_FOUND if none was. */
export async function approvedAsOf(
  events: VersionEventLog,
  phase: FullPhase,
  args: { cycleId: string; reportId: string; asOf: Date },
  context: WorkflowContext,
) {
  requireUser(context);
  const cycleId = requireUuid(args.cycleId, 'cycleId');
  const reportId = requireUuid(args.reportId, 'reportId');
  const id = await events.approvedAt(phase.name, cycleId, reportId, args.asOf);
  if (!id) throw notFound(`No ${phase.displayName} version was approved for cycle ${cycleId} and report ${reportId} at ${args.asOf.toISOString()}.`);
  return versionStub(phase, id);
}

/** The fields of an Activity. */
export const activityFields = {
  actor: (node: ActivityNode) => ({ __typename: 'User', id: node.actorId }),
  details: (node: ActivityNode) => (node.details === null ? null : (JSON.parse(node.details) as unknown)),
  record: (node: ActivityNode) => {
    if (!node.versionId || !node.phase) return null;
    const phase = PHASES[node.phase];
    return { __typename: isFullPhase(phase) ? phase.versionType : phase.recordType, id: node.versionId };
  },
};

function isComparedVersion(entity: ResultOf<FullPhaseDocuments['comparedVersions']>['versions'][number]): entity is ComparedVersion {
  return entity !== null && 'id' in entity;
}

/**
 * Why a version asked for is not a version of `phase`: one of another phase (or an audit record) is BAD_USER_INPUT,
 * naming what it is; one the event log never saw is NOT_FOUND.
 */
async function missingVersion(events: VersionEventLog, phase: FullPhase, [argument, id]: [string, string]) {
  const other = (await events.phasesOf([id])).get(id);
  if (!other) return notFound(`No ${phase.displayName} version with id ${id}.`, { id });
  const what = isFullPhase(PHASES[other]) ? 'version' : 'audit record';
  return badUserInput(`${argument} ${id} is a ${PHASES[other].displayName} ${what}, not a ${phase.displayName} version: diff two versions of one phase.`, {
    argument,
  });
}
