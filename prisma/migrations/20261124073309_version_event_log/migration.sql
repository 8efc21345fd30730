-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "events";

-- CreateTable
CREATE TABLE "events"."version_events" (
    "id" BIGSERIAL NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "phase" VARCHAR(40) NOT NULL,
    "version_id" UUID NOT NULL,
    "version_number" INTEGER,
    "cycle_id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "version_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "version_events_phase_cycle_id_report_id_idx" ON "events"."version_events"("phase", "cycle_id", "report_id");

-- CreateIndex
CREATE INDEX "version_events_version_id_idx" ON "events"."version_events"("version_id");
