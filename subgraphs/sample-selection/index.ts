// The Sample Selection subgraph: numbered, approvable versions of the selected samples and their sample decisions. The kit builds it; this names its phase, says what its data means and how it carries forward.
import type { Prisma } from '@phasegraph/db';
import { phaseSubgraph } from '@phasegraph/kit';

export const subgraph = phaseSubgraph(
  'SAMPLE_SELECTION',
  {
    version: "A version of the samples selected for a report's test. Approved by an owner of the report.",
    data: 'The selection data of this version: selection criteria, target and actual sample sizes, generation methods.',
    decisions: 'The decisions on the samples in this version.',
    item: 'The sample decided on (a UUID, stable across versions).',
  },
  {
    // A sample set carried forward keeps its selection criteria and generation methods; its sizes follow its samples.
    carryForwardData: (baseline, samples) => {
      const data = baseline !== null && typeof baseline === 'object' && !Array.isArray(baseline) ? baseline : {};
      return {
        ...data,
        selectionCriteria: data.selectionCriteria ?? null,
        generationMethods: data.generationMethods ?? [],
        targetSampleSize: samples.length,
        actualSampleSize: samples.length,
      } as Prisma.InputJsonObject;
    },
  },
);
