// Who may approve, reject or review a FULL phase's versions: testers for Planning, the report's owners for the others,
// and, under four eyes, never the version's author.
import { forbidden } from './platform/errors';
import { TESTER_ROLES, type FullPhase } from './phases';
import type { Identity } from './signed-identity';
import type { SubgraphClient } from './subgraph-client';
import type { VersionRow } from './versioning';

const IS_REPORT_OWNER = 'query IsReportOwner($reportId: ID!, $userId: ID!) { isReportOwner(reportId: $reportId, userId: $userId) }';

/** Throws FORBIDDEN unless `actor` may approve, reject or review the decisions of `version` of `phase`. */
export async function authorizeReview(phase: FullPhase, actor: Identity, version: VersionRow, identity: SubgraphClient): Promise<void> {
  if (phase.fourEyes && version.createdById === actor.id) {
    throw forbidden(`You created version ${version.id}: ${phase.displayName} works under four eyes, so another approver must approve, reject or review it.`);
  }
  if (phase.approverRole === 'TESTER') {
    if (!actor.roles.some((role) => TESTER_ROLES.includes(role))) {
      throw forbidden(`Only a tester (${TESTER_ROLES.join(', ')}) can approve or reject ${phase.displayName} versions.`);
    }
    return;
  }
  const { isReportOwner } = await identity.request<{ isReportOwner: boolean }>(IS_REPORT_OWNER, { reportId: version.reportId, userId: actor.id }, actor);
  if (!isReportOwner) throw forbidden(`Only an owner of report ${version.reportId} can approve or reject ${phase.displayName} versions.`);
}
