// The Observation Management subgraph: numbered, approvable versions of the observations and their decisions. The kit builds it; this names its phase and says what its data means.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('OBSERVATION_MANAGEMENT', {
  version: 'A version of the observations (findings) raised on a report. Approved by an owner of the report.',
  data: 'The observation data of this version.',
  decisions: 'The decisions on the observations in this version.',
  item: 'The observation decided on (a UUID, stable across versions).',
});
