// Every subgraph of the supergraph besides the in-process workflow subgraph, in the order they start.
// Generated from the phase registry (subgraphs/kit/src/phases.ts) by `npm run generate`: do not edit.
import { subgraph as compat } from '@phasegraph/compat';
import { subgraph as dataOwnerId } from '@phasegraph/data-owner-id';
import { subgraph as dataProfiling } from '@phasegraph/data-profiling';
import { subgraph as identity } from '@phasegraph/identity';
import type { SubgraphDefinition } from '@phasegraph/kit';
import { subgraph as observationManagement } from '@phasegraph/observation-management';
import { subgraph as planning } from '@phasegraph/planning';
import { subgraph as requestInfo } from '@phasegraph/request-info';
import { subgraph as sampleSelection } from '@phasegraph/sample-selection';
import { subgraph as scoping } from '@phasegraph/scoping';
import { subgraph as testExecution } from '@phasegraph/test-execution';

export const SUBGRAPHS: readonly SubgraphDefinition[] = [
  identity,
  planning,
  dataProfiling,
  scoping,
  sampleSelection,
  dataOwnerId,
  requestInfo,
  testExecution,
  observationManagement,
  compat,
];
