// The Sample Selection subgraph: numbered, approvable versions of the selected samples and their sample decisions. Its types are in schema.graphql; the kit supplies the rest.
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph('SAMPLE_SELECTION', new URL('./schema.graphql', import.meta.url));
