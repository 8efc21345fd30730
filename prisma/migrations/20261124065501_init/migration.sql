-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "data_owner_id";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "data_profiling";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "identity";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "observation_management";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "planning";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "request_info";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "sample_selection";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "scoping";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "test_execution";

-- CreateTable
CREATE TABLE "data_owner_id"."data_owner_assignments" (
    "id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "data_owner_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "data_profiling"."data_profiling_versions" (
    "version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "version_number" INTEGER NOT NULL,
    "version_status" VARCHAR(20) NOT NULL,
    "parent_version_id" UUID,
    "master_record_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewed_by" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_notes" TEXT,

    CONSTRAINT "data_profiling_versions_pkey" PRIMARY KEY ("version_id")
);

-- CreateTable
CREATE TABLE "data_profiling"."rule_decisions" (
    "decision_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "item_data" JSONB NOT NULL,
    "decision_status" VARCHAR(20) NOT NULL,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_notes" TEXT,
    "carried_from_version_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_decisions_pkey" PRIMARY KEY ("decision_id")
);

-- CreateTable
CREATE TABLE "identity"."users" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "roles" TEXT[],
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."report_owners" (
    "report_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "assigned_by" UUID NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_owners_pkey" PRIMARY KEY ("report_id","user_id")
);

-- CreateTable
CREATE TABLE "observation_management"."observation_versions" (
    "version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "version_number" INTEGER NOT NULL,
    "version_status" VARCHAR(20) NOT NULL,
    "parent_version_id" UUID,
    "master_record_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewed_by" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_notes" TEXT,

    CONSTRAINT "observation_versions_pkey" PRIMARY KEY ("version_id")
);

-- CreateTable
CREATE TABLE "observation_management"."observation_decisions" (
    "decision_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "item_data" JSONB NOT NULL,
    "decision_status" VARCHAR(20) NOT NULL,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_notes" TEXT,
    "carried_from_version_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "observation_decisions_pkey" PRIMARY KEY ("decision_id")
);

-- CreateTable
CREATE TABLE "planning"."planning_phase_versions" (
    "version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "version_number" INTEGER NOT NULL,
    "version_status" VARCHAR(20) NOT NULL,
    "parent_version_id" UUID,
    "master_record_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewed_by" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_notes" TEXT,

    CONSTRAINT "planning_phase_versions_pkey" PRIMARY KEY ("version_id")
);

-- CreateTable
CREATE TABLE "planning"."attribute_decisions" (
    "decision_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "item_data" JSONB NOT NULL,
    "decision_status" VARCHAR(20) NOT NULL,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_notes" TEXT,
    "carried_from_version_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attribute_decisions_pkey" PRIMARY KEY ("decision_id")
);

-- CreateTable
CREATE TABLE "request_info"."document_submissions" (
    "id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_submissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sample_selection"."sample_selection_versions" (
    "version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "version_number" INTEGER NOT NULL,
    "version_status" VARCHAR(20) NOT NULL,
    "parent_version_id" UUID,
    "master_record_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewed_by" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_notes" TEXT,

    CONSTRAINT "sample_selection_versions_pkey" PRIMARY KEY ("version_id")
);

-- CreateTable
CREATE TABLE "sample_selection"."sample_decisions" (
    "decision_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "item_data" JSONB NOT NULL,
    "decision_status" VARCHAR(20) NOT NULL,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_notes" TEXT,
    "carried_from_version_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sample_decisions_pkey" PRIMARY KEY ("decision_id")
);

-- CreateTable
CREATE TABLE "scoping"."scoping_versions" (
    "version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "version_number" INTEGER NOT NULL,
    "version_status" VARCHAR(20) NOT NULL,
    "parent_version_id" UUID,
    "master_record_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewed_by" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_notes" TEXT,

    CONSTRAINT "scoping_versions_pkey" PRIMARY KEY ("version_id")
);

-- CreateTable
CREATE TABLE "scoping"."scoping_decisions" (
    "decision_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "item_data" JSONB NOT NULL,
    "decision_status" VARCHAR(20) NOT NULL,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "decision_notes" TEXT,
    "carried_from_version_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scoping_decisions_pkey" PRIMARY KEY ("decision_id")
);

-- CreateTable
CREATE TABLE "test_execution"."test_execution_audits" (
    "id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_execution_audits_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "data_owner_assignments_cycle_id_report_id_created_at_idx" ON "data_owner_id"."data_owner_assignments"("cycle_id", "report_id", "created_at");

-- CreateIndex
CREATE INDEX "data_profiling_versions_cycle_id_report_id_version_status_idx" ON "data_profiling"."data_profiling_versions"("cycle_id", "report_id", "version_status");

-- CreateIndex
CREATE UNIQUE INDEX "data_profiling_versions_cycle_id_report_id_version_number_key" ON "data_profiling"."data_profiling_versions"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "rule_decisions_version_id_item_id_key" ON "data_profiling"."rule_decisions"("version_id", "item_id");

-- CreateIndex
CREATE INDEX "report_owners_user_id_idx" ON "identity"."report_owners"("user_id");

-- CreateIndex
CREATE INDEX "observation_versions_cycle_id_report_id_version_status_idx" ON "observation_management"."observation_versions"("cycle_id", "report_id", "version_status");

-- CreateIndex
CREATE UNIQUE INDEX "observation_versions_cycle_id_report_id_version_number_key" ON "observation_management"."observation_versions"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "observation_decisions_version_id_item_id_key" ON "observation_management"."observation_decisions"("version_id", "item_id");

-- CreateIndex
CREATE INDEX "planning_phase_versions_cycle_id_report_id_version_status_idx" ON "planning"."planning_phase_versions"("cycle_id", "report_id", "version_status");

-- CreateIndex
CREATE UNIQUE INDEX "planning_phase_versions_cycle_id_report_id_version_number_key" ON "planning"."planning_phase_versions"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "attribute_decisions_version_id_item_id_key" ON "planning"."attribute_decisions"("version_id", "item_id");

-- CreateIndex
CREATE INDEX "document_submissions_cycle_id_report_id_created_at_idx" ON "request_info"."document_submissions"("cycle_id", "report_id", "created_at");

-- CreateIndex
CREATE INDEX "sample_selection_versions_cycle_id_report_id_version_status_idx" ON "sample_selection"."sample_selection_versions"("cycle_id", "report_id", "version_status");

-- CreateIndex
CREATE UNIQUE INDEX "sample_selection_versions_cycle_id_report_id_version_number_key" ON "sample_selection"."sample_selection_versions"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "sample_decisions_version_id_item_id_key" ON "sample_selection"."sample_decisions"("version_id", "item_id");

-- CreateIndex
CREATE INDEX "scoping_versions_cycle_id_report_id_version_status_idx" ON "scoping"."scoping_versions"("cycle_id", "report_id", "version_status");

-- CreateIndex
CREATE UNIQUE INDEX "scoping_versions_cycle_id_report_id_version_number_key" ON "scoping"."scoping_versions"("cycle_id", "report_id", "version_number");

-- CreateIndex
CREATE UNIQUE INDEX "scoping_decisions_version_id_item_id_key" ON "scoping"."scoping_decisions"("version_id", "item_id");

-- CreateIndex
CREATE INDEX "test_execution_audits_cycle_id_report_id_created_at_idx" ON "test_execution"."test_execution_audits"("cycle_id", "report_id", "created_at");

-- AddForeignKey
ALTER TABLE "data_profiling"."rule_decisions" ADD CONSTRAINT "rule_decisions_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "data_profiling"."data_profiling_versions"("version_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."report_owners" ADD CONSTRAINT "report_owners_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "observation_management"."observation_decisions" ADD CONSTRAINT "observation_decisions_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "observation_management"."observation_versions"("version_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "planning"."attribute_decisions" ADD CONSTRAINT "attribute_decisions_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "planning"."planning_phase_versions"("version_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sample_selection"."sample_decisions" ADD CONSTRAINT "sample_decisions_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "sample_selection"."sample_selection_versions"("version_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scoping"."scoping_decisions" ADD CONSTRAINT "scoping_decisions_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "scoping"."scoping_versions"("version_id") ON DELETE RESTRICT ON UPDATE CASCADE;
