// The Data Profiling subgraph: numbered, approvable versions of the profiling rules and their rule decisions. The kit builds it; this names its phase and says what its data means.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('DATA_PROFILING', {
  version: "A version of a report's data profiling rules. Approved by an owner of the report.",
  data: 'The profiling data of this version.',
  decisions: 'The decisions on the profiling rules in this version.',
  item: 'The profiling rule decided on (a UUID, stable across versions).',
});
