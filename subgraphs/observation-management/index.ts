// The Observation Management subgraph: numbered, approvable versions of the observations and their decisions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('OBSERVATION_MANAGEMENT', new URL('./schema.graphql', import.meta.url));
