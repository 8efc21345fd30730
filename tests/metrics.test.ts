// phaseMetrics, computed from the event log, agrees with the versions themselves.
import { APPROVE_VERSION, REJECT_VERSION, createVersion, errorCode, gql, newRecord, newUser, ok } from './support/api';

const tester = newUser('TESTER');
// Four eyes: versions are approved and rejected by someone other than their author.
const reviewer = newUser('TESTER');
const METRICS = `query ($phase: PhaseName!, $cycleId: ID, $reportId: ID) {
  phaseMetrics(phase: $phase, cycleId: $cycleId, reportId: $reportId) { phase cycleId reportId versionsCreated approvals rejections approvalHoursAvg approvalHoursP50 approvalHoursP95 }
}`;

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(sorted: number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low]! + (sorted[Math.ceil(rank)]! - sorted[low]!) * (rank - low);
}

describe('phaseMetrics', () => {
  it('counts versions, approvals and rejections, and times approval from creation, for a known history', async () => {
    const record = newRecord();
    const created = [];
    for (let i = 0; i < 4; i++) created.push(await createVersion('PLANNING', record, tester));
    const hours: number[] = [];
    for (const version of [created[0]!, created[2]!, created[3]!]) {
      await new Promise((resolve) => setTimeout(resolve, 20 * hours.length)); // distinct durations
      const { approveVersion } = await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
      hours.push((Date.parse(approveVersion.reviewedAt) - Date.parse(approveVersion.createdAt)) / 3_600_000);
    }
    await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: created[1]!.id, notes: 'no' }, reviewer);

    const { phaseMetrics } = await ok(METRICS, { phase: 'PLANNING', ...record }, tester);
    const sorted = [...hours].sort((a, b) => a - b);
    expect(phaseMetrics).toMatchObject({ phase: 'PLANNING', ...record, versionsCreated: 4, approvals: 3, rejections: 1 });
    expect(phaseMetrics.approvalHoursAvg).toBeCloseTo(hours.reduce((a, b) => a + b) / 3, 9);
    expect(phaseMetrics.approvalHoursP50).toBeCloseTo(percentile(sorted, 0.5), 9);
    expect(phaseMetrics.approvalHoursP95).toBeCloseTo(percentile(sorted, 0.95), 9);
  });

  it('scopes to a cycle across its reports, and answers nulls before the first approval', async () => {
    const { cycleId, reportId } = newRecord();
    const other = { cycleId, reportId: newRecord().reportId };
    await ok(APPROVE_VERSION, { phase: 'SCOPING', versionId: (await createVersion('SCOPING', { cycleId, reportId }, tester)).id }, await ownerOf(reportId));
    await createVersion('SCOPING', other, tester);
    const { phaseMetrics: cycle } = await ok(METRICS, { phase: 'SCOPING', cycleId }, tester);
    expect(cycle).toMatchObject({ cycleId, reportId: null, versionsCreated: 2, approvals: 1 });
    const { phaseMetrics: quiet } = await ok(METRICS, { phase: 'SCOPING', ...other }, tester);
    expect(quiet).toMatchObject({ versionsCreated: 1, approvals: 0, approvalHoursAvg: null, approvalHoursP50: null, approvalHoursP95: null });
  });

  it('needs a signed-in user and well-formed ids', async () => {
    expect(errorCode(await gql(METRICS, { phase: 'PLANNING' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(METRICS, { phase: 'PLANNING', cycleId: 'x' }, tester))).toBe('BAD_USER_INPUT');
  });
});

async function ownerOf(reportId: string) {
  const owner = newUser('REPORT_OWNER');
  await (await import('./support/api')).assignOwner(reportId, owner);
  return owner;
}
