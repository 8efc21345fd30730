// The versioning kit's store for AUDIT_ONLY phases: an append-only trail of records per (cycle, report).
import type { Prisma, PrismaClient } from '@phasegraph/db';
import type { AuditModel, AuditRecordRow, Db } from './phase-models';
import { writeOnce, type IdempotentCall } from './idempotency';
import { recordVersionEvents, type EventAnnouncer } from './event-log';
import type { AuditPhase } from './phases';
import type { Identity } from './signed-identity';

export type { AuditRecordRow } from './phase-models';

/** Where a page starts: after the record created at `createdAt` with id `id` (newest first). */
export interface AuditPosition {
  createdAt: Date;
  id: string;
}

export class AuditTrail {
  constructor(
    readonly phase: AuditPhase,
    private readonly prisma: PrismaClient,
    private readonly announcer: EventAnnouncer,
  ) {}

  /**
   * Appends a record, and its CREATED event in the same transaction; once under `call`'s key. Records are never changed
   * or removed.
   */
  async append(
    input: { cycleId: string; reportId: string; data: Prisma.InputJsonValue },
    actor: Identity,
    call: IdempotentCall | null = null,
  ): Promise<AuditRecordRow> {
    const record = await writeOnce(
      this.prisma,
      async (tx) => {
        const record = await this.records(tx).create({ data: { ...input, createdById: actor.id } });
        const { id: versionId, cycleId, reportId, createdAt: at } = record;
        await recordVersionEvents(tx, [{ type: 'CREATED', phase: this.phase.name, versionId, versionNumber: null, cycleId, reportId, actorId: actor.id, at }]);
        return record;
      },
      { call, idOf: (record) => record.id, replay: async (id) => (await this.recordsById([id]))[0]! },
    );
    this.announcer.announce();
    return record;
  }

  /** Up to `first` records, newest first, after `before` when given. */
  page(cycleId: string, reportId: string, first: number, before: AuditPosition | null): Promise<AuditRecordRow[]> {
    const after = before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {};
    return this.records().findMany({ where: { cycleId, reportId, ...after }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first });
  }

  /** Records by id, in the order asked, null where absent (a DataLoader batch function). */
  async recordsById(ids: readonly string[]): Promise<(AuditRecordRow | null)[]> {
    const rows = await this.records().findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private records(db: Db = this.prisma): AuditModel {
    return this.phase.records(db);
  }
}
