-- AlterTable
ALTER TABLE "compat"."phase_migrations" ADD COLUMN     "backfilled_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "compat"."migration_events" (
    "id" BIGSERIAL NOT NULL,
    "phase" VARCHAR(40) NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "actor_id" UUID NOT NULL,
    "details" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "migration_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "migration_events_phase_at_idx" ON "compat"."migration_events"("phase", "at");
