// The Sample Selection subgraph: numbered, approvable versions and their decisions. The kit builds it from the phase registry; behaviour.ts says what this phase does its own way.
// Generated from the phase registry (subgraphs/kit/src/phases.ts) by `npm run generate`: do not edit.
import { phaseSubgraph } from '@phasegraph/kit';
import { behaviour } from './behaviour';

export const subgraph = phaseSubgraph('SAMPLE_SELECTION', behaviour);
