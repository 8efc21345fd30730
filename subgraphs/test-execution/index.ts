// The Test Execution subgraph: the append-only audit trail of test executions. The kit builds it; this names its phase and says what its records mean.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('TEST_EXECUTION', {
  record: 'An entry in the Test Execution audit trail: a test run on a sample and its result. Append-only.',
  data: 'The execution: e.g. the test, the sample, the result.',
});
