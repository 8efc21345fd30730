// What Sample Selection does its own way: a sample set carried forward keeps its selection criteria and generation
// methods; its sizes follow its samples.
import type { Prisma } from '@phasegraph/db';
import type { PhaseBehaviour } from '@phasegraph/kit';

export const behaviour: PhaseBehaviour = {
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
};
