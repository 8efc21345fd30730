// The Planning subgraph: numbered, approvable versions of the test plan and its attribute decisions; approved by testers. The kit builds it; this names its phase and says what its data means.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('PLANNING', {
  version: "A version of a report's test plan: which attributes are tested. Approved by a tester (TESTER, TEST_LEAD or TEST_MANAGER).",
  data: 'The planning metadata of this version.',
  decisions: 'The decisions on the report attributes in this version.',
  item: 'The report attribute decided on (a UUID, stable across versions).',
});
