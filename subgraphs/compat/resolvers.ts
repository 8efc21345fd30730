// The compat subgraph's resolvers: the legacy-shaped API over the legacy tables.
import type { Prisma, PrismaClient } from '@phasegraph/db';
import { requireUser, requireUuid, type SubgraphContext } from '@phasegraph/kit';
import { LegacyStore, type ReportAttributeInput, type SampleSetInput } from './legacy-store';

const user = (row: { createdById: string }) => ({ __typename: 'User', id: row.createdById });

export function compatResolvers(prisma: PrismaClient) {
  const legacy = new LegacyStore(prisma);
  return {
    resolvers: {
      ReportAttribute: { createdBy: user },
      SampleSet: { createdBy: user },
      Query: {
        reportAttributes: (_: unknown, args: { cycleId: string; reportId: string }, context: SubgraphContext) => {
          requireUser(context);
          return legacy.reportAttributes(requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId'));
        },
        sampleSets: (_: unknown, args: { cycleId: string; reportId: string }, context: SubgraphContext) => {
          requireUser(context);
          return legacy.sampleSets(requireUuid(args.cycleId, 'cycleId'), requireUuid(args.reportId, 'reportId'));
        },
      },
      Mutation: {
        createReportAttribute: (_: unknown, { input }: { input: ReportAttributeInput }, context: SubgraphContext) =>
          legacy.createReportAttribute(
            {
              ...input,
              cycleId: requireUuid(input.cycleId, 'cycleId'),
              reportId: requireUuid(input.reportId, 'reportId'),
              attributeId: input.attributeId ? requireUuid(input.attributeId, 'attributeId') : null,
            },
            requireUser(context),
          ),
        createSampleSet: (_: unknown, { input }: { input: SampleSetInput }, context: SubgraphContext) =>
          legacy.createSampleSet(
            {
              ...input,
              cycleId: requireUuid(input.cycleId, 'cycleId'),
              reportId: requireUuid(input.reportId, 'reportId'),
              samples: input.samples.map((sample) => ({ ...sample, sampleId: sample.sampleId ? requireUuid(sample.sampleId, 'samples.sampleId') : null, data: sample.data as Prisma.InputJsonValue })),
            },
            requireUser(context),
          ),
      },
    },
    context: (base: SubgraphContext) => base,
  };
}
