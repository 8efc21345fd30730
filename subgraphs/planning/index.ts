// The Planning subgraph: numbered, approvable versions and their decisions. The kit builds it from the phase registry.
// Generated from the phase registry (subgraphs/kit/src/phases.ts) by `npm run generate`: do not edit.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('PLANNING');
