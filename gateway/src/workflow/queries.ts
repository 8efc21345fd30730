// The workflow's queries: the phase registry, versions and audit trails read from the owning phase subgraph, and the
// event log's events and metrics; and the fields of a VersionEvent.
import { ALL_PHASES, PHASES, fullPhaseDocuments, isFullPhase, notFound, requireUser, requireUuid, type PhaseName, type VersionStatus } from '@phasegraph/kit';
import type { VersionEventLog, VersionEventRow } from '../events/version-event-log';
import { recordConnection, versionConnection, type PageArgs } from './connections';
import type { WorkflowContext } from './context';
import { decodeCursor, encodeCursor } from './cursors';
import { fullPhase, versionStub, type PhaseCall } from './dispatch';
import { approvedAsOf } from './history';

/** The Query fields. */
export function queries(call: PhaseCall, events: VersionEventLog) {
  return {
    phases: () => ALL_PHASES,
    versionEvent: async (_: unknown, args: { cursor: string }, context: WorkflowContext) => {
      requireUser(context);
      const { id } = decodeCursor(args.cursor, 'event');
      return context.event?.id === id ? context.event : events.byId(id);
    },
    phaseMetrics: async (_: unknown, args: { phase: PhaseName; cycleId?: string | null; reportId?: string | null }, context: WorkflowContext) => {
      requireUser(context);
      const cycleId = args.cycleId ? requireUuid(args.cycleId, 'cycleId') : null;
      const reportId = args.reportId ? requireUuid(args.reportId, 'reportId') : null;
      return { phase: args.phase, cycleId, reportId, ...(await events.metrics(args.phase, cycleId, reportId)) };
    },
    currentVersion: async (_: unknown, args: { phase: PhaseName; cycleId: string; reportId: string; asOf?: Date | null }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase);
      if (args.asOf) return approvedAsOf(events, phase, { ...args, asOf: args.asOf }, context);
      const { current } = await call(phase, fullPhaseDocuments(phase).currentVersion, { cycleId: args.cycleId, reportId: args.reportId }, context);
      if (!current) throw notFound(`No ${phase.displayName} version is approved for cycle ${args.cycleId} and report ${args.reportId}.`);
      return versionStub(phase, current.id);
    },
    version: async (_: unknown, args: { phase: PhaseName; id: string }, context: WorkflowContext) => {
      const phase = fullPhase(args.phase);
      const { version } = await call(phase, fullPhaseDocuments(phase).version, { id: args.id }, context);
      return version && versionStub(phase, version.id);
    },
    versions: (_: unknown, args: PageArgs & { status?: VersionStatus | null }, context: WorkflowContext) =>
      versionConnection(call, fullPhase(args.phase), args, context),
    auditTrail: (_: unknown, args: PageArgs, context: WorkflowContext) => {
      const phase = PHASES[args.phase];
      return isFullPhase(phase) ? versionConnection(call, phase, args, context) : recordConnection(call, phase, args, context);
    },
  };
}

/** The fields of a VersionEvent (a row of the event log). */
export const versionEventFields = {
  cursor: (event: VersionEventRow) => encodeCursor({ kind: 'event', id: event.id }),
  actor: (event: VersionEventRow) => ({ __typename: 'User', id: event.actorId }),
  record: (event: VersionEventRow) => {
    const phase = PHASES[event.phase];
    return { __typename: isFullPhase(phase) ? phase.versionType : phase.recordType, id: event.versionId };
  },
};
