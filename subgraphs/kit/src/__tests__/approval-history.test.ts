// The approved version as of a moment, replayed from a record's approvals and supersessions in log order.
import { approvedVersionAfter, type ApprovalEvent } from '../approval-history';

const approved = (versionId: string): ApprovalEvent => ({ type: 'APPROVED', versionId });
const superseded = (versionId: string): ApprovalEvent => ({ type: 'SUPERSEDED', versionId });

describe("the version approved after a record's approval events", () => {
  it('is none before the first approval', () => {
    expect(approvedVersionAfter([])).toBeNull();
  });

  it('is the version last approved, the one it superseded no longer', () => {
    expect(approvedVersionAfter([approved('v1')])).toBe('v1');
    expect(approvedVersionAfter([approved('v1'), superseded('v1'), approved('v2')])).toBe('v2');
  });

  it('is the last of several approvals within one instant, in log order', () => {
    expect(approvedVersionAfter([approved('v1'), superseded('v1'), approved('v2'), superseded('v2'), approved('v3')])).toBe('v3');
  });

  it('is none after a supersession that no approval followed', () => {
    expect(approvedVersionAfter([approved('v1'), superseded('v1')])).toBeNull();
  });

  it('is not ended by the supersession of another version', () => {
    expect(approvedVersionAfter([approved('v2'), superseded('v1')])).toBe('v2');
  });
});
