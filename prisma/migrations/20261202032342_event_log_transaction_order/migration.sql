-- AlterTable
ALTER TABLE "events"."version_events" ADD COLUMN     "tx_id" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint;

-- CreateIndex
CREATE INDEX "version_events_tx_id_id_idx" ON "events"."version_events"("tx_id", "id");
