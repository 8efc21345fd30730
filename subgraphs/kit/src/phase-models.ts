// The shape every phase's Prisma models share, as the kit uses them. A registry entry's accessors return its own
// models' delegates; the compiler checks each against these, so a model that drifts from the kit's shape fails to build.
import type { Prisma, PrismaClient } from '@phasegraph/db';

/** The Prisma client, or a transaction's. */
export type Db = PrismaClient | Prisma.TransactionClient;

// Every phase has its own status enums (its PostgreSQL schema owns them), with these values.
export const VERSION_STATUSES = ['DRAFT', 'APPROVED', 'REJECTED', 'SUPERSEDED'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];
export const DECISION_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** A row of a phase's versions table. */
export interface VersionRow {
  id: string;
  cycleId: string;
  reportId: string;
  versionNumber: number;
  status: VersionStatus;
  parentVersionId: string | null;
  masterRecordId: string;
  data: Prisma.JsonValue;
  createdById: string;
  createdAt: Date;
  reviewedById: string | null;
  reviewedAt: Date | null;
  reviewNotes: string | null;
}

/** A row of a phase's decisions table: one item's decision within a version. */
export interface DecisionRow {
  id: string;
  versionId: string;
  itemId: string;
  itemData: Prisma.JsonValue;
  status: DecisionStatus;
  reason: string | null;
  decidedById: string | null;
  decidedAt: Date | null;
  decisionNotes: string | null;
  carriedFromVersionId: string | null;
  position: number;
  createdAt: Date;
}

/** A row of an AUDIT_ONLY phase's table. */
export interface AuditRecordRow {
  id: string;
  cycleId: string;
  reportId: string;
  data: Prisma.JsonValue;
  createdById: string;
  createdAt: Date;
}

type IdFilter = string | { in: string[] } | { not: string };
type Order<Field extends string> = Partial<Record<Field, 'asc' | 'desc'>>;

/** Which versions a query reads. */
export interface VersionWhere {
  id?: IdFilter;
  cycleId?: string;
  reportId?: string;
  status?: VersionStatus;
  versionNumber?: { lt: number };
}

/** Which decisions a query reads or changes. */
export interface DecisionWhere {
  id?: string | { in: string[] };
  versionId?: string | { in: string[] };
  status?: DecisionStatus;
}

/** Which audit records a query reads. */
export interface AuditWhere {
  id?: { in: string[] };
  cycleId?: string;
  reportId?: string;
  OR?: ({ createdAt: { lt: Date } } | { createdAt: Date; id: { lt: string } })[];
}

/** The part of a FULL phase's version model delegate the kit uses. */
export interface VersionModel {
  findUnique(args: { where: { id: string } }): Promise<VersionRow | null>;
  findFirst(args: { where: VersionWhere }): Promise<VersionRow | null>;
  findMany(args: { where: VersionWhere; orderBy?: Order<'versionNumber'>; take?: number }): Promise<VersionRow[]>;
  update(args: {
    where: { id: string };
    data: { status: VersionStatus; reviewedById: string; reviewedAt: Date; reviewNotes: string | null };
  }): Promise<VersionRow>;
  updateMany(args: { where: VersionWhere; data: { status: VersionStatus } }): Promise<{ count: number }>;
}

/** The part of a FULL phase's decision model delegate the kit uses. */
export interface DecisionModel {
  findMany(args: { where: DecisionWhere; orderBy?: Order<'position'>[] }): Promise<DecisionRow[]>;
  updateMany(args: {
    where: DecisionWhere;
    data: { status: DecisionStatus; decidedById: string; decidedAt: Date; decisionNotes: string | null };
  }): Promise<{ count: number }>;
}

/** The part of an AUDIT_ONLY phase's model delegate the kit uses. */
export interface AuditModel {
  create(args: { data: { cycleId: string; reportId: string; data: Prisma.InputJsonValue; createdById: string } }): Promise<AuditRecordRow>;
  findMany(args: { where: AuditWhere; orderBy?: Order<'createdAt' | 'id'>[]; take?: number }): Promise<AuditRecordRow[]>;
}
