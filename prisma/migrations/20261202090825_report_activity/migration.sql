-- AlterTable
ALTER TABLE "events"."version_events" ADD COLUMN     "details" JSONB;

-- CreateTable
CREATE TABLE "events"."activity_events" (
    "id" BIGSERIAL NOT NULL,
    "type" VARCHAR(40) NOT NULL,
    "phase" VARCHAR(40),
    "cycle_id" UUID,
    "report_id" UUID NOT NULL,
    "version_id" UUID,
    "version_number" INTEGER,
    "item_id" UUID,
    "actor_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" JSONB,

    CONSTRAINT "activity_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "activity_events_report_id_at_id_idx" ON "events"."activity_events"("report_id", "at", "id");

-- CreateIndex
CREATE INDEX "version_events_cycle_id_report_id_at_id_idx" ON "events"."version_events"("cycle_id", "report_id", "at", "id");
