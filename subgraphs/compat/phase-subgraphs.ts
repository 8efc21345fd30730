// The phase subgraphs legacy records mirror into, as compat calls them: each migrated phase's subgraph with that
// phase's copy of the kit's typed documents, the same documents the gateway's workflow sends.
import { PHASES, fullPhaseDocuments, isFullPhase, type FullPhase, type FullPhaseDocuments, type SubgraphClient, type SubgraphDirectory } from '@phasegraph/kit';
import type { MigratedPhase } from './migration-state';

/** A migrated phase, its subgraph and the documents compat sends it. */
export interface PhaseSubgraph {
  phase: FullPhase;
  client: SubgraphClient;
  documents: FullPhaseDocuments;
}

export type PhaseSubgraphs = Readonly<Record<MigratedPhase, PhaseSubgraph>>;

export function phaseSubgraphs(subgraphs: SubgraphDirectory): PhaseSubgraphs {
  const subgraph = (name: MigratedPhase): PhaseSubgraph => {
    const phase = PHASES[name];
    if (!isFullPhase(phase)) throw new Error(`${name} is not a FULL phase: legacy records mirror into versions.`);
    return { phase, client: subgraphs.client(phase.subgraph), documents: fullPhaseDocuments(phase) };
  };
  return { PLANNING: subgraph('PLANNING'), SAMPLE_SELECTION: subgraph('SAMPLE_SELECTION') };
}
