// The versioning kit's store for FULL phases: numbered versions of one record per (cycle, report), their
// decisions, approval with supersede, and rejection. Every phase's tables have the same shape; the phase's
// registry entry names them.
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '@phasegraph/db';
import { badUserInput, conflict, notFound } from './platform/errors';
import { writeOnce, type IdempotentCall, type Once } from './idempotency';
import { INPUT_LIMITS } from './input-limits';
import { recordActivity } from './activity-log';
import { recordVersionEvents, type EventAnnouncer, type NewVersionEvent, type VersionEventType } from './event-log';
import type { DecisionModel, DecisionRow, DecisionStatus, Db, VersionModel, VersionRow, VersionStatus, VersionWhere } from './phase-models';
import type { FullPhase } from './phases';
import { lockRecord, lockRecords } from './record-lock';
import type { Identity } from './signed-identity';

export type { DecisionRow, DecisionStatus, VersionRow, VersionStatus } from './phase-models';

/** An item to decide on in a new version. */
export interface NewDecision {
  itemId: string;
  itemData: Prisma.InputJsonValue;
  reason?: string | null;
}

/** A reviewer's verdict on one decision. */
export interface DecisionReview {
  decisionId: string;
  status: DecisionStatus;
  notes?: string | null;
}

/** Derives a carried-forward version's data from its baseline's and the decisions it will hold. */
export type CarryForwardData = (
  baseline: Prisma.JsonValue,
  decisions: { itemId: string; itemData: Prisma.JsonValue; carried: boolean }[],
) => Prisma.InputJsonValue;

export interface NewVersion {
  cycleId: string;
  reportId: string;
  data: Prisma.InputJsonValue;
  /** Defaults to the latest version of the same cycle and report. */
  parentVersionId?: string | null;
  items?: NewDecision[];
}

/** What numbering and linking a new version needs of the one before it. */
type VersionLink = Pick<VersionRow, 'id' | 'cycleId' | 'reportId' | 'versionNumber' | 'masterRecordId'>;

/** A version just written, with its decisions in order: what the request that wrote it will read back. */
export interface WrittenVersion {
  version: VersionRow;
  decisions: DecisionRow[];
}

/** Which versions a page holds: newest first, optionally of one status, after the version numbered `before`. */
export interface VersionPageQuery {
  status?: VersionStatus | null;
  first: number;
  beforeVersionNumber?: number | null;
}

/** A decision as a new version will hold it: a new item (PENDING) or one carried from a baseline. */
type DecisionSeed = NewDecision & Partial<Pick<DecisionRow, 'status' | 'decidedById' | 'decidedAt' | 'decisionNotes' | 'carriedFromVersionId'>>;

/** Interactive transaction limits: creates queue on the per-record lock, so allow for a burst of them. */
const TRANSACTION_OPTIONS = { maxWait: 20_000, timeout: 30_000 };

export class VersionStore {
  constructor(
    readonly phase: FullPhase,
    private readonly prisma: PrismaClient,
    private readonly announcer: EventAnnouncer,
  ) {}

  /** Creates the next DRAFT version (number = latest + 1) with a PENDING decision per item; once under `call`'s key. */
  async createVersion(input: NewVersion, actor: Identity, call: IdempotentCall | null = null): Promise<WrittenVersion> {
    assertDistinctItems(input.items ?? []);
    return this.transaction(async (tx) => (await this.writeVersions(tx, [input], actor))[0]!, true, this.onceWritten(call));
  }

  /**
   * Creates the next DRAFT version of each input's record, all in one transaction and a fixed number of statements
   * however many there are; inputs of one record are numbered in the order given.
   */
  async createVersions(inputs: NewVersion[], actor: Identity): Promise<WrittenVersion[]> {
    for (const input of inputs) assertDistinctItems(input.items ?? []);
    if (inputs.length === 0) return [];
    return this.transaction((tx) => this.writeVersions(tx, inputs, actor));
  }

  /**
   * Creates the next DRAFT version from a baseline: the baseline's APPROVED decisions carried forward (same items,
   * status kept, `carriedFromVersionId` set) plus `additionalItems` as PENDING. `carryForwardData` derives the data.
   */
  async createVersionFromBaseline(
    baselineId: string,
    additionalItems: NewDecision[],
    actor: Identity,
    carryForwardData: CarryForwardData,
    call: IdempotentCall | null = null,
  ): Promise<WrittenVersion> {
    assertDistinctItems(additionalItems);
    const baseline = await this.requireVersion(baselineId);
    return this.transaction(
      async (tx) => {
        await this.lockRecord(tx, baseline.cycleId, baseline.reportId);
        const carried = await this.decisions(tx).findMany({ where: { versionId: baseline.id, status: 'APPROVED' }, orderBy: [{ position: 'asc' }] });
        const clash = additionalItems.find((item) => carried.some((decision) => decision.itemId === item.itemId));
        if (clash) throw badUserInput(`Item ${clash.itemId} is already carried forward from the baseline.`, { argument: 'additionalItems' });
        if (carried.length + additionalItems.length > INPUT_LIMITS.itemsPerVersion) {
          throw badUserInput(
            `A version may hold at most ${INPUT_LIMITS.itemsPerVersion.toLocaleString('en-US')} items: the baseline carries ${carried.length} forward, so at most ${INPUT_LIMITS.itemsPerVersion - carried.length} more.`,
            { argument: 'additionalItems' },
          );
        }
        const seeds: DecisionSeed[] = [
          ...carried.map((decision) => ({
            itemId: decision.itemId,
            itemData: decision.itemData as Prisma.InputJsonValue,
            reason: decision.reason,
            status: decision.status,
            decidedById: decision.decidedById,
            decidedAt: decision.decidedAt,
            decisionNotes: decision.decisionNotes,
            carriedFromVersionId: baseline.id,
          })),
          ...additionalItems,
        ];
        const data = carryForwardData(
          baseline.data,
          seeds.map((seed) => ({ itemId: seed.itemId, itemData: seed.itemData as Prisma.JsonValue, carried: Boolean(seed.carriedFromVersionId) })),
        );
        const [written] = await this.insertVersions(tx, [{ cycleId: baseline.cycleId, reportId: baseline.reportId, data, parent: baseline, seeds }], actor);
        return written!;
      },
      true,
      this.onceWritten(call),
    );
  }

  /**
   * Sets each named decision of a DRAFT version APPROVED or REJECTED, with the reviewer, time and notes, all in one
   * transaction, with a DECISION_REVIEWED activity per decision: a decision of another version, or a version that
   * is no longer DRAFT, refuses the whole review.
   */
  async reviewDecisions(
    versionId: string,
    reviews: DecisionReview[],
    actor: Identity,
    authorize: (version: VersionRow) => Promise<void>,
    call: IdempotentCall | null = null,
  ): Promise<DecisionRow[]> {
    if (reviews.length === 0) throw badUserInput('reviews must name at least one decision.', { argument: 'reviews' });
    const ids = new Set<string>();
    for (const review of reviews) {
      if (review.status === 'PENDING') throw badUserInput('A review sets a decision APPROVED or REJECTED, not PENDING.', { argument: 'reviews.status' });
      if (ids.has(review.decisionId)) throw badUserInput(`reviews names decision ${review.decisionId} more than once.`, { argument: 'reviews' });
      ids.add(review.decisionId);
    }
    const version = await this.requireVersion(versionId);
    await authorize(version);
    return this.transaction(
      async (tx) => {
        await this.lockRecord(tx, version.cycleId, version.reportId);
        await this.requireDraft(tx, versionId, 'reviewed');
        const decidedAt = new Date();
        for (const review of reviews) {
          const { count } = await this.decisions(tx).updateMany({
            where: { id: review.decisionId, versionId },
            data: { status: review.status, decidedById: actor.id, decidedAt, decisionNotes: review.notes ?? null },
          });
          if (count === 0)
            throw badUserInput(`Decision ${review.decisionId} is not a decision of version ${versionId}.`, {
              argument: 'reviews.decisionId',
              decisionId: review.decisionId,
            });
        }
        const reviewed = await this.decisions(tx).findMany({ where: { id: { in: [...ids] } }, orderBy: [{ position: 'asc' }] });
        await recordActivity(
          tx,
          reviewed.map((decision) => ({
            type: 'DECISION_REVIEWED',
            phase: this.phase.name,
            cycleId: version.cycleId,
            reportId: version.reportId,
            versionId,
            versionNumber: version.versionNumber,
            itemId: decision.itemId,
            actorId: actor.id,
            at: decidedAt,
            details: { decisionId: decision.id, status: decision.status, notes: decision.decisionNotes },
          })),
        );
        return reviewed;
      },
      false,
      {
        // A repeat names the same decisions (the key's fingerprint covers them): it is answered with them as they are now.
        call,
        idOf: () => versionId,
        replay: () => this.decisions(this.prisma).findMany({ where: { id: { in: [...ids] } }, orderBy: [{ position: 'asc' }] }),
      },
    );
  }

  /**
   * Approves a DRAFT version and supersedes every other APPROVED version of its cycle and report, atomically:
   * at most one version of a record is APPROVED at any moment. `authorize` runs first and may refuse.
   */
  async approveVersion(
    id: string,
    actor: Identity,
    notes: string | null,
    authorize: (version: VersionRow) => Promise<void>,
    call: IdempotentCall | null = null,
  ): Promise<VersionRow> {
    const version = await this.requireVersion(id);
    await authorize(version);
    return this.transaction(
      async (tx) => {
        await this.lockRecord(tx, version.cycleId, version.reportId);
        await this.requireDraft(tx, id, 'approved');
        const reviewedAt = new Date();
        const superseded = await this.supersedePreviousApproved(tx, version);
        const approved = await this.versions(tx).update({
          where: { id },
          data: { status: 'APPROVED', reviewedById: actor.id, reviewedAt, reviewNotes: notes },
        });
        await recordVersionEvents(tx, [
          ...superseded.map((previous) => this.event('SUPERSEDED', previous, actor, reviewedAt, { supersededBy: approved.id })),
          this.event('APPROVED', approved, actor, reviewedAt, { notes, superseded: superseded.map((previous) => previous.id) }),
        ]);
        return approved;
      },
      true,
      this.onceVersion(call),
    );
  }

  /** Rejects a DRAFT version with the reviewer's notes (required). `authorize` runs first and may refuse. */
  async rejectVersion(
    id: string,
    actor: Identity,
    notes: string,
    authorize: (version: VersionRow) => Promise<void>,
    call: IdempotentCall | null = null,
  ): Promise<VersionRow> {
    if (!notes.trim()) throw badUserInput('notes must say why the version is rejected.', { argument: 'notes' });
    const version = await this.requireVersion(id);
    await authorize(version);
    return this.transaction(
      async (tx) => {
        await this.lockRecord(tx, version.cycleId, version.reportId);
        await this.requireDraft(tx, id, 'rejected');
        const rejected = await this.versions(tx).update({
          where: { id },
          data: { status: 'REJECTED', reviewedById: actor.id, reviewedAt: new Date(), reviewNotes: notes },
        });
        await recordVersionEvents(tx, [this.event('REJECTED', rejected, actor, rejected.reviewedAt!, { notes })]);
        return rejected;
      },
      true,
      this.onceVersion(call),
    );
  }

  /** The APPROVED version of a cycle and report, if any. */
  currentVersion(cycleId: string, reportId: string): Promise<VersionRow | null> {
    return this.versions(this.prisma).findFirst({ where: { cycleId, reportId, status: 'APPROVED' } });
  }

  /** Up to `first` versions, newest first. */
  versionPage(cycleId: string, reportId: string, query: VersionPageQuery): Promise<VersionRow[]> {
    return this.versions(this.prisma).findMany({
      where: {
        cycleId,
        reportId,
        ...(query.status ? { status: query.status } : {}),
        ...(query.beforeVersionNumber != null ? { versionNumber: { lt: query.beforeVersionNumber } } : {}),
      },
      orderBy: { versionNumber: 'desc' },
      take: query.first,
    });
  }

  /** Versions by id, in the order asked, null where absent (a DataLoader batch function). */
  async versionsById(ids: readonly string[]): Promise<(VersionRow | null)[]> {
    const rows = await this.versions(this.prisma).findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Each version's decisions, in the order asked (a DataLoader batch function). */
  async decisionsByVersionId(versionIds: readonly string[]): Promise<DecisionRow[][]> {
    const rows = await this.decisions(this.prisma).findMany({
      where: { versionId: { in: [...versionIds] } },
      orderBy: [{ position: 'asc' }],
    });
    const byVersion = new Map<string, DecisionRow[]>(versionIds.map((id) => [id, []]));
    for (const row of rows) byVersion.get(row.versionId)?.push(row);
    return versionIds.map((id) => byVersion.get(id) ?? []);
  }

  /** Decisions by id, in the order asked, null where absent (a DataLoader batch function). */
  async decisionsById(ids: readonly string[]): Promise<(DecisionRow | null)[]> {
    const rows = await this.decisions(this.prisma).findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Writes the next version of each input's record in `tx`, holding the records' locks. */
  private async writeVersions(tx: Prisma.TransactionClient, inputs: NewVersion[], actor: Identity): Promise<WrittenVersion[]> {
    await lockRecords(
      tx,
      inputs.map((input) => this.recordKey(input.cycleId, input.reportId)),
    );
    const parents = await this.parentsOf(tx, inputs);
    return this.insertVersions(
      tx,
      inputs.map((input) => ({ ...input, parent: input.parentVersionId ? parents.get(input.parentVersionId)! : null, seeds: input.items ?? [] })),
      actor,
    );
  }

  /** A version created under `call`'s key: a repeat is answered with that version and its decisions as they are now. */
  private onceWritten(call: IdempotentCall | null): Once<WrittenVersion> {
    return {
      call,
      idOf: (written) => written.version.id,
      replay: async (id) => ({ version: await this.requireVersion(id), decisions: (await this.decisionsByVersionId([id]))[0]! }),
    };
  }

  /** A version reviewed under `call`'s key: a repeat is answered with that version as it is now. */
  private onceVersion(call: IdempotentCall | null): Once<VersionRow> {
    return { call, idOf: (version) => version.id, replay: (id) => this.requireVersion(id) };
  }

  private async requireVersion(id: string): Promise<VersionRow> {
    const version = await this.versions(this.prisma).findUnique({ where: { id } });
    if (!version) throw notFound(`No ${this.phase.displayName} version with id ${id}.`, { id });
    return version;
  }

  /** Re-reads the version under the record lock: only a DRAFT may be approved or rejected. */
  private async requireDraft(tx: Db, id: string, outcome: string): Promise<void> {
    const current = await this.versions(tx).findUnique({ where: { id } });
    if (current?.status !== 'DRAFT') {
      throw conflict(`Version ${id} is ${current?.status ?? 'gone'}; only a DRAFT version can be ${outcome}.`, { status: current?.status });
    }
  }

  /** Marks every other APPROVED version of the record SUPERSEDED; returns them as they were. */
  private async supersedePreviousApproved(tx: Db, version: VersionRow): Promise<VersionRow[]> {
    const where: VersionWhere = { cycleId: version.cycleId, reportId: version.reportId, status: 'APPROVED', id: { not: version.id } };
    const previous = await this.versions(tx).findMany({ where });
    if (previous.length > 0) await this.versions(tx).updateMany({ where, data: { status: 'SUPERSEDED' } });
    return previous;
  }

  /**
   * Inserts the next version of each record (the caller holds the records' locks), their CREATED events and their
   * decisions: one read of the latest versions and three multi-row inserts, whatever the count. Ids and times are
   * chosen here, so the rows are known without reading them back.
   */
  private async insertVersions(
    tx: Prisma.TransactionClient,
    entries: { cycleId: string; reportId: string; data: Prisma.InputJsonValue; parent: VersionRow | null; seeds: DecisionSeed[] }[],
    actor: Identity,
  ): Promise<WrittenVersion[]> {
    const latest = await this.latestVersions(tx, entries);
    const createdAt = new Date();
    const written = entries.map((entry): WrittenVersion => {
      const key = this.recordKey(entry.cycleId, entry.reportId);
      const previous = latest.get(key) ?? null;
      const parent = entry.parent ?? previous;
      const id = randomUUID();
      const version: VersionRow = {
        id,
        cycleId: entry.cycleId,
        reportId: entry.reportId,
        versionNumber: (previous?.versionNumber ?? 0) + 1,
        status: 'DRAFT',
        parentVersionId: parent?.id ?? null,
        masterRecordId: parent?.masterRecordId ?? id,
        data: entry.data as Prisma.JsonValue,
        createdById: actor.id,
        createdAt,
        reviewedById: null,
        reviewedAt: null,
        reviewNotes: null,
      };
      latest.set(key, version);
      const decisions = entry.seeds.map((seed, position): DecisionRow => ({
        id: randomUUID(),
        versionId: id,
        itemId: seed.itemId,
        itemData: seed.itemData as Prisma.JsonValue,
        status: seed.status ?? 'PENDING',
        reason: seed.reason ?? null,
        decidedById: seed.decidedById ?? null,
        decidedAt: seed.decidedAt ?? null,
        decisionNotes: seed.decisionNotes ?? null,
        carriedFromVersionId: seed.carriedFromVersionId ?? null,
        position,
        createdAt,
      }));
      return { version, decisions };
    });
    await this.insertRows(
      tx,
      written.map(({ version }) => version),
      written.flatMap(({ decisions }) => decisions),
    );
    return written;
  }

  /**
   * Writes versions, their CREATED events (in the versions' order, so their log order; each telling the parent and
   * how many items the version holds, how many carried forward) and decisions in one SQL statement: one round trip,
   * and none of the query builder's cost, whatever the number of rows.
   */
  private async insertRows(tx: Prisma.TransactionClient, versions: VersionRow[], decisions: DecisionRow[]): Promise<void> {
    const column = <Row, Value>(rows: Row[], value: (row: Row) => Value) => rows.map(value);
    const held = new Map<string, { items: number; carriedForward: number }>(versions.map((v) => [v.id, { items: 0, carriedForward: 0 }]));
    for (const decision of decisions) {
      const count = held.get(decision.versionId)!;
      count.items++;
      if (decision.carriedFromVersionId) count.carriedForward++;
    }
    const created = (v: VersionRow) => JSON.stringify({ parentVersionId: v.parentVersionId, ...held.get(v.id) });
    const json = (value: Prisma.JsonValue) => JSON.stringify(value);
    const time = (value: Date | null) => value?.toISOString() ?? null;
    await tx.$executeRaw`
      WITH new_versions AS (
        INSERT INTO ${Prisma.raw(this.phase.versionTable)}
          (version_id, cycle_id, report_id, version_number, version_status, parent_version_id, master_record_id, data, created_by, created_at)
        SELECT * FROM unnest(
          ${column(versions, (v) => v.id)}::uuid[], ${column(versions, (v) => v.cycleId)}::uuid[], ${column(versions, (v) => v.reportId)}::uuid[],
          ${column(versions, (v) => v.versionNumber)}::int[], ${column(versions, (v) => v.status)}::text[]::${Prisma.raw(this.phase.versionStatusType)}[],
          ${column(versions, (v) => v.parentVersionId)}::uuid[], ${column(versions, (v) => v.masterRecordId)}::uuid[],
          ${column(versions, (v) => json(v.data))}::jsonb[], ${column(versions, (v) => v.createdById)}::uuid[],
          ${column(versions, (v) => time(v.createdAt))}::timestamptz[])
        RETURNING 1
      ), new_events AS (
        INSERT INTO events.version_events (type, phase, version_id, version_number, cycle_id, report_id, actor_id, at, details)
        SELECT 'CREATED', ${this.phase.name}, * FROM unnest(
          ${column(versions, (v) => v.id)}::uuid[], ${column(versions, (v) => v.versionNumber)}::int[], ${column(versions, (v) => v.cycleId)}::uuid[],
          ${column(versions, (v) => v.reportId)}::uuid[], ${column(versions, (v) => v.createdById)}::uuid[], ${column(versions, (v) => time(v.createdAt))}::timestamptz[],
          ${column(versions, created)}::jsonb[])
        RETURNING 1
      ), new_decisions AS (
        INSERT INTO ${Prisma.raw(this.phase.decisionTable)}
          (decision_id, version_id, item_id, item_data, position, decision_status, reason, decided_by, decided_at, decision_notes, carried_from_version_id, created_at)
        SELECT * FROM unnest(
          ${column(decisions, (d) => d.id)}::uuid[], ${column(decisions, (d) => d.versionId)}::uuid[], ${column(decisions, (d) => d.itemId)}::uuid[],
          ${column(decisions, (d) => json(d.itemData))}::jsonb[], ${column(decisions, (d) => d.position)}::int[], ${column(decisions, (d) => d.status)}::text[]::${Prisma.raw(this.phase.decisionStatusType)}[],
          ${column(decisions, (d) => d.reason)}::text[], ${column(decisions, (d) => d.decidedById)}::uuid[], ${column(decisions, (d) => time(d.decidedAt))}::timestamptz[],
          ${column(decisions, (d) => d.decisionNotes)}::text[], ${column(decisions, (d) => d.carriedFromVersionId)}::uuid[],
          ${column(decisions, (d) => time(d.createdAt))}::timestamptz[])
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM new_versions) + (SELECT count(*) FROM new_events) + (SELECT count(*) FROM new_decisions)`;
  }

  /** The latest version of each record named, by record key, in one query. */
  private async latestVersions(tx: Prisma.TransactionClient, records: { cycleId: string; reportId: string }[]): Promise<Map<string, VersionLink>> {
    const distinct = [...new Map(records.map((record) => [this.recordKey(record.cycleId, record.reportId), record])).values()];
    const rows = await tx.$queryRaw<VersionLink[]>`
      SELECT latest.* FROM unnest(${distinct.map((record) => record.cycleId)}::uuid[], ${distinct.map((record) => record.reportId)}::uuid[]) AS wanted(cycle_id, report_id)
      CROSS JOIN LATERAL (
        SELECT v.version_id::text AS id, v.cycle_id::text AS "cycleId", v.report_id::text AS "reportId", v.version_number AS "versionNumber",
               v.master_record_id::text AS "masterRecordId"
        FROM ${Prisma.raw(this.phase.versionTable)} v
        WHERE v.cycle_id = wanted.cycle_id AND v.report_id = wanted.report_id
        ORDER BY v.version_number DESC LIMIT 1
      ) latest`;
    return new Map(rows.map((row) => [this.recordKey(row.cycleId, row.reportId), row]));
  }

  private event(type: VersionEventType, version: VersionRow, actor: Identity, at: Date, details: Prisma.InputJsonValue): NewVersionEvent {
    const { id: versionId, versionNumber, cycleId, reportId } = version;
    return { type, phase: this.phase.name, versionId, versionNumber, cycleId, reportId, actorId: actor.id, at, details };
  }

  /**
   * One interactive transaction, under an idempotency key when `once` has one (see writeOnce); once it has committed,
   * readers of the event log are woken (every transaction here but a decision review appends version events; a review
   * appends activity, which no reader waits for). Inputs were checked before (input-limits): nothing unstorable gets
   * here.
   */
  private async transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>, appendsEvents = true, once?: Once<T>): Promise<T> {
    const result = await writeOnce(this.prisma, work, once ?? null, TRANSACTION_OPTIONS);
    if (appendsEvents) this.announcer.announce();
    return result;
  }

  /** The explicit parents the inputs name, each checked to be a version of the same cycle and report. */
  private async parentsOf(tx: Db, inputs: NewVersion[]): Promise<Map<string, VersionRow>> {
    const ids = [...new Set(inputs.flatMap((input) => (input.parentVersionId ? [input.parentVersionId] : [])))];
    if (ids.length === 0) return new Map();
    const parents = new Map((await this.versions(tx).findMany({ where: { id: { in: ids } } })).map((row) => [row.id, row]));
    for (const input of inputs) {
      if (!input.parentVersionId) continue;
      const parent = parents.get(input.parentVersionId);
      if (!parent) throw notFound(`No ${this.phase.displayName} version with id ${input.parentVersionId}.`, { id: input.parentVersionId });
      if (parent.cycleId !== input.cycleId || parent.reportId !== input.reportId) {
        throw badUserInput('parentVersionId must be a version of the same cycle and report.', { argument: 'parentVersionId' });
      }
    }
    return parents;
  }

  private recordKey(cycleId: string, reportId: string): string {
    return `${this.phase.name}:${cycleId}:${reportId}`;
  }

  /** Serialises every numbering and status change of one record (phase, cycle, report) until `tx` ends. */
  private lockRecord(tx: Prisma.TransactionClient, cycleId: string, reportId: string): Promise<void> {
    return lockRecord(tx, this.recordKey(cycleId, reportId));
  }

  private versions(db: Db): VersionModel {
    return this.phase.versions(db);
  }

  private decisions(db: Db): DecisionModel {
    return this.phase.decisions(db);
  }
}

function assertDistinctItems(items: NewDecision[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.itemId)) throw badUserInput(`items lists itemId ${item.itemId} more than once.`, { argument: 'items' });
    seen.add(item.itemId);
  }
}
