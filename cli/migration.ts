// `npm run migration -- <command>`: the operator's side of the zero-downtime migration, through the public API.
//   status | dual-write <PHASE> on|off | read-percentage <PHASE> <0-100> | backfill <PHASE> | verify <PHASE> | rollback <PHASE>
// Needs PHASEGRAPH_TOKEN (an ADMIN's bearer token); PHASEGRAPH_URL defaults to http://127.0.0.1:4000/graphql.
const url = process.env.PHASEGRAPH_URL ?? `http://127.0.0.1:${process.env.PORT ?? 4000}/graphql`;
const token = process.env.PHASEGRAPH_TOKEN?.replace(/^(Authorization:\s*)?Bearer\s+/i, '');
const BACKFILL_BATCH = 50;

const STATUS = `{ migrationStatus { phase dualWriteEnabled readPercentage active legacyWrites mirroredWrites dualWriteConsistency alert pendingReconciliation mirrored legacyRecords backfillProgress backfilledAt lastVerifiedAt } }`;

async function call<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(body.errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('\n'));
  return body.data!;
}

type Status = {
  phase: string;
  dualWriteEnabled: boolean;
  readPercentage: number;
  active: boolean;
  legacyWrites: number;
  mirroredWrites: number;
  dualWriteConsistency: number;
  alert: string | null;
  pendingReconciliation: number;
  mirrored: number;
  legacyRecords: number;
  backfillProgress: number;
  backfilledAt: string | null;
  lastVerifiedAt: string | null;
};

function printStatus(rows: Status[]): void {
  for (const row of rows) {
    console.log(`${row.phase}${row.active ? '' : '  (ROLLED BACK)'}`);
    console.log(`  dual write ${row.dualWriteEnabled ? 'on' : 'off'}, reads from new tables ${row.readPercentage}%`);
    console.log(
      `  consistency ${(row.dualWriteConsistency * 100).toFixed(2)}% (${row.mirroredWrites}/${row.legacyWrites} writes mirrored), pending reconciliation ${row.pendingReconciliation}`,
    );
    console.log(`  backfill ${bar(row.backfillProgress)} ${row.mirrored}/${row.legacyRecords}${row.backfilledAt ? `, complete at ${row.backfilledAt}` : ''}`);
    console.log(`  last verified ${row.lastVerifiedAt ?? 'never'}`);
    if (row.alert) console.log(`  ALERT: ${row.alert}`);
  }
}

function bar(share: number, width = 30): string {
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%`;
}

const phaseStatus = async (phase: string) => (await call<{ migrationStatus: Status[] }>(STATUS)).migrationStatus.find((row) => row.phase === phase)!;

async function backfill(phase: string): Promise<void> {
  let copied = 0;
  let replayed = 0;
  const errors: string[] = [];
  for (;;) {
    const { backfillPhase: report } = await call<{
      backfillPhase: { copied: number; replayedFailures: number; failed: number; remaining: number; errors: string[] };
    }>('mutation ($phase: PhaseName!, $limit: Int) { backfillPhase(phase: $phase, limit: $limit) { copied replayedFailures failed remaining errors } }', {
      phase,
      limit: BACKFILL_BATCH,
    });
    copied += report.copied;
    replayed += report.replayedFailures;
    errors.push(...report.errors);
    const status = await phaseStatus(phase);
    process.stdout.write(`\r${phase} ${bar(status.backfillProgress)} ${status.mirrored}/${status.legacyRecords}`);
    if (report.remaining === 0 || report.copied === 0) break;
  }
  console.log(`\ncopied ${copied}, replayed ${replayed} dual-write failure(s), ${new Set(errors).size} failed`);
  for (const error of new Set(errors)) console.log(`  ${error}`);
  if (errors.length) process.exitCode = 1;
}

async function main(args: string[]): Promise<void> {
  const [command, phaseArgument, value] = args;
  const phase = phaseArgument?.toUpperCase().replaceAll('-', '_');
  const needPhase = () => {
    if (!phase) throw new Error(`${command} needs a phase: PLANNING or SAMPLE_SELECTION`);
    return phase;
  };
  switch (command) {
    case 'status':
      return printStatus((await call<{ migrationStatus: Status[] }>(STATUS)).migrationStatus);
    case 'dual-write': {
      if (value !== 'on' && value !== 'off') throw new Error('dual-write <PHASE> on|off');
      await call('mutation ($phase: PhaseName!, $enabled: Boolean!) { setDualWrite(phase: $phase, enabled: $enabled) { phase } }', {
        phase: needPhase(),
        enabled: value === 'on',
      });
      return printStatus([await phaseStatus(needPhase())]);
    }
    case 'read-percentage': {
      const percentage = Number(value);
      if (!Number.isInteger(percentage)) throw new Error('read-percentage <PHASE> <0-100>');
      await call('mutation ($phase: PhaseName!, $percentage: Int!) { setReadPercentage(phase: $phase, percentage: $percentage) { phase } }', {
        phase: needPhase(),
        percentage,
      });
      return printStatus([await phaseStatus(needPhase())]);
    }
    case 'backfill':
      return backfill(needPhase());
    case 'verify': {
      const { verifyDataIntegrity: report } = await call<{
        verifyDataIntegrity: { checked: number; discrepancies: { type: string; legacyId: string | null; newId: string | null; fields: string[] | null }[] };
      }>('query ($phase: PhaseName!) { verifyDataIntegrity(phase: $phase) { checked discrepancies { type legacyId newId fields } } }', { phase: needPhase() });
      console.log(`${needPhase()}: checked ${report.checked} legacy record(s), ${report.discrepancies.length} discrepancy(ies)`);
      for (const d of report.discrepancies)
        console.log(`  ${d.type} legacy ${d.legacyId ?? '-'} new ${d.newId ?? '-'}${d.fields ? ` fields ${d.fields.join(', ')}` : ''}`);
      if (report.discrepancies.length) process.exitCode = 1;
      return;
    }
    case 'rollback': {
      const { rollbackPhase: report } = await call<{ rollbackPhase: { durationMs: number; steps: { step: string; durationMs: number; detail: string }[] } }>(
        'mutation ($phase: PhaseName!) { rollbackPhase(phase: $phase) { durationMs steps { step durationMs detail } } }',
        { phase: needPhase() },
      );
      for (const step of report.steps) console.log(`  ${step.step.padEnd(34)} ${String(step.durationMs).padStart(5)} ms  ${step.detail}`);
      console.log(`${needPhase()} rolled back in ${report.durationMs} ms; \`backfill ${needPhase()}\` rolls it forward.`);
      return;
    }
    default:
      throw new Error(
        'usage: npm run migration -- status | dual-write <PHASE> on|off | read-percentage <PHASE> <0-100> | backfill <PHASE> | verify <PHASE> | rollback <PHASE>',
      );
  }
}

if (!token) {
  console.error("Set PHASEGRAPH_TOKEN to an ADMIN's bearer token (npm start prints the demo admin's).");
  process.exit(2);
}
main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
