// Four eyes: in a regulated testing workflow the author of a piece of work never signs it off. The author of a
// version may not approve it, reject it or review its decisions, even holding the approver's rights; another
// approver may.
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, REJECT_VERSION, assignOwner, createVersion, errorCode, gql, newRecord, newUser, ok, type TestUser } from './support/api';

const REVIEW = `mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!) {
  reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews) { id status }
}`;
const STATE = 'query ($phase: PhaseName!, $id: ID!) { version(phase: $phase, id: $id) { status reviewedBy { id } decisions { status decidedBy { id } } } }';

/** Two users who may approve `phase` for `reportId`: testers for Planning, owners of the report for the others. */
async function twoApprovers(phase: string, reportId: string): Promise<[TestUser, TestUser]> {
  if (phase === 'PLANNING') return [newUser('TESTER'), newUser('TEST_LEAD')];
  const approvers: [TestUser, TestUser] = [newUser('REPORT_OWNER'), newUser('REPORT_OWNER')];
  for (const approver of approvers) await assignOwner(reportId, approver);
  return approvers;
}

describe.each(['PLANNING', 'DATA_PROFILING', 'SCOPING', 'SAMPLE_SELECTION', 'OBSERVATION_MANAGEMENT'])('four eyes on %s', (phase) => {
  it("refuses the author's own approval, rejection and review with FORBIDDEN, changes nothing, and lets another approver sign off", async () => {
    const record = newRecord();
    const [author, other] = await twoApprovers(phase, record.reportId);
    const draft = await createVersion(phase, record, author, { items: [{ itemId: randomUUID(), itemData: { n: 1 } }] });
    const decisionId = draft.decisions[0].id;

    const attempts = [
      await gql(APPROVE_VERSION, { phase, versionId: draft.id, notes: 'mine' }, author),
      await gql(REJECT_VERSION, { phase, versionId: draft.id, notes: 'mine' }, author),
      await gql(REVIEW, { phase, versionId: draft.id, reviews: [{ decisionId, status: 'APPROVED' }] }, author),
    ];
    for (const attempt of attempts) {
      expect(errorCode(attempt)).toBe('FORBIDDEN');
      expect(attempt.errors![0]!.message).toMatch(/four eyes.*another approver must/);
    }
    expect((await ok(STATE, { phase, id: draft.id }, author)).version).toEqual({
      status: 'DRAFT',
      reviewedBy: null,
      decisions: [{ status: 'PENDING', decidedBy: null }],
    });

    await ok(REVIEW, { phase, versionId: draft.id, reviews: [{ decisionId, status: 'APPROVED' }] }, other);
    await ok(APPROVE_VERSION, { phase, versionId: draft.id }, other);
    expect((await ok(STATE, { phase, id: draft.id }, author)).version).toEqual({
      status: 'APPROVED',
      reviewedBy: { id: other.id },
      decisions: [{ status: 'APPROVED', decidedBy: { id: other.id } }],
    });
  });
});

describe('four eyes', () => {
  it('holds for a version carried forward from a baseline: its author is who created it, not who approved the baseline', async () => {
    const record = newRecord();
    const [author, approver] = [newUser('TESTER'), newUser('TESTER')];
    const baseline = await createVersion('PLANNING', record, author);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: baseline.id }, approver);
    const { createVersionFromBaseline: next } = await ok(
      'mutation ($id: ID!) { createVersionFromBaseline(phase: PLANNING, baselineVersionId: $id) { id } }',
      { id: baseline.id },
      approver,
    );
    expect(errorCode(await gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: next.id }, approver))).toBe('FORBIDDEN');
    expect((await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: next.id }, author)).approveVersion.status).toBe('APPROVED');
  });
});
