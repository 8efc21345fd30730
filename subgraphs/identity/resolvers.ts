// The identity subgraph's resolvers: users as their tokens describe them, and who owns which report.
import type { PrismaClient } from '@phasegraph/db';
import { forbidden, idempotentCall, notFound, recordActivity, requireUser, requireUuid, writeOnce, type Identity, type SubgraphContext } from '@phasegraph/kit';
import DataLoader from 'dataloader';

/** The roles that may assign report owners. */
const OWNER_ASSIGNERS = ['ADMIN', 'TEST_MANAGER'];

export interface IdentityContext extends SubgraphContext {
  users: DataLoader<string, UserRow | null>;
}

interface UserRow {
  id: string;
  name: string;
  email: string;
  roles: string[];
}

export function identityResolvers(prisma: PrismaClient) {
  const recordUser = (identity: Identity) =>
    prisma.user.upsert({
      where: { id: identity.id },
      create: { id: identity.id, name: identity.name, email: identity.email, roles: identity.roles },
      update: { name: identity.name, email: identity.email, roles: identity.roles, lastSeenAt: new Date() },
    });

  return {
    resolvers: {
      User: {
        __resolveReference: (reference: { id: string }, context: IdentityContext) => context.users.load(reference.id),
      },
      Query: {
        me: async (_: unknown, _args: unknown, context: IdentityContext) => {
          const identity = requireUser(context);
          return (await context.users.load(identity.id)) ?? recordUser(identity);
        },
        user: (_: unknown, args: { id: string }, context: IdentityContext) => {
          requireUser(context);
          return context.users.load(requireUuid(args.id, 'id'));
        },
        reportOwners: async (_: unknown, args: { reportId: string }, context: IdentityContext) => {
          requireUser(context);
          const owners = await prisma.reportOwner.findMany({
            where: { reportId: requireUuid(args.reportId, 'reportId') },
            include: { user: true },
            orderBy: { assignedAt: 'asc' },
          });
          return owners.map((owner) => owner.user);
        },
        isReportOwner: async (_: unknown, args: { reportId: string; userId: string }, context: IdentityContext) => {
          requireUser(context);
          const owner = await prisma.reportOwner.findUnique({
            where: { reportId_userId: { reportId: requireUuid(args.reportId, 'reportId'), userId: requireUuid(args.userId, 'userId') } },
          });
          return owner !== null;
        },
      },
      Mutation: {
        assignReportOwner: async (
          _: unknown,
          { idempotencyKey, ...args }: { reportId: string; userId: string; idempotencyKey?: string | null },
          context: IdentityContext,
        ) => {
          const actor = requireUser(context);
          if (!actor.roles.some((role) => OWNER_ASSIGNERS.includes(role))) throw forbidden('Only an ADMIN or a TEST_MANAGER can assign report owners.');
          const reportId = requireUuid(args.reportId, 'reportId');
          const userId = requireUuid(args.userId, 'userId');
          const call = idempotentCall(actor.id, 'assignReportOwner', idempotencyKey, { reportId, userId });
          // A new assignment is recorded in the report's activity in its transaction; a repeated one changes nothing.
          return writeOnce(
            prisma,
            async (tx) => {
              const user = await tx.user.findUnique({ where: { id: userId } });
              if (!user) throw notFound(`No user with id ${userId}: a user must use phasegraph once before they can own a report.`, { id: userId });
              const at = new Date();
              const { count } = await tx.reportOwner.createMany({ data: [{ reportId, userId, assignedById: actor.id, assignedAt: at }], skipDuplicates: true });
              if (count === 1)
                await recordActivity(tx, [{ type: 'OWNER_ASSIGNED', reportId, actorId: actor.id, at, details: { ownerId: userId, ownerName: user.name } }]);
              return user;
            },
            { call, idOf: (user) => user.id, replay: async (id) => (await prisma.user.findUnique({ where: { id } }))! },
          );
        },
        recordUser: (_: unknown, _args: unknown, context: IdentityContext) => recordUser(requireUser(context)),
      },
    },
    context: (base: SubgraphContext): IdentityContext => ({
      ...base,
      users: new DataLoader(async (ids: readonly string[]) => {
        const rows = await prisma.user.findMany({ where: { id: { in: [...ids] } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
    }),
  };
}
