-- CreateTable
CREATE TABLE "compat"."phase_migrations" (
    "phase" VARCHAR(40) NOT NULL,
    "dual_write_enabled" BOOLEAN NOT NULL DEFAULT false,
    "read_percentage" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "legacy_writes" INTEGER NOT NULL DEFAULT 0,
    "mirrored_writes" INTEGER NOT NULL DEFAULT 0,
    "last_verified_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "phase_migrations_pkey" PRIMARY KEY ("phase")
);

-- CreateTable
CREATE TABLE "compat"."migration_mappings" (
    "id" UUID NOT NULL,
    "phase" VARCHAR(40) NOT NULL,
    "legacy_id" UUID NOT NULL,
    "new_version_id" UUID NOT NULL,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "migration_mappings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compat"."dual_write_failures" (
    "id" UUID NOT NULL,
    "phase" VARCHAR(40) NOT NULL,
    "legacy_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "dual_write_failures_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "migration_mappings_phase_cycle_id_report_id_idx" ON "compat"."migration_mappings"("phase", "cycle_id", "report_id");

-- CreateIndex
CREATE UNIQUE INDEX "migration_mappings_phase_legacy_id_key" ON "compat"."migration_mappings"("phase", "legacy_id");

-- CreateIndex
CREATE INDEX "dual_write_failures_phase_resolved_at_idx" ON "compat"."dual_write_failures"("phase", "resolved_at");
