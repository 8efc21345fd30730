// The phase registry names the tables the kit writes with SQL: they must be the ones the Prisma schema maps.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ALL_PHASES, isFullPhase } from '../phases';

const schemaDir = path.resolve(__dirname, '../../../../prisma/schema');
const prismaSchema = readdirSync(schemaDir)
  .map((file) => readFileSync(path.join(schemaDir, file), 'utf8'))
  .join('\n');

/** `schema.table` of each model, from its `@@map` and `@@schema`. */
function tableOf(model: string): string {
  const body = new RegExp(`model ${model} \\{([\\s\\S]*?)\\n\\}`).exec(prismaSchema)?.[1] ?? '';
  const table = /@@map\("([^"]+)"\)/.exec(body)?.[1];
  const schema = /@@schema\("([^"]+)"\)/.exec(body)?.[1];
  return `${schema}.${table}`;
}

describe('the phase registry', () => {
  it.each(ALL_PHASES.filter(isFullPhase).map((phase) => [phase.name, phase] as const))('names the tables Prisma maps for %s', (_name, phase) => {
    expect(phase.versionTable).toBe(tableOf(phase.dataModel));
    expect(phase.decisionTable).toBe(tableOf(phase.decisionType));
  });
});
