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

describe("the registry's Prisma accessors", () => {
  /** The Prisma client property an accessor reads, found by handing it a client that records what it is asked for. */
  function propertyRead(accessor: (db: never) => unknown): string {
    const read: string[] = [];
    accessor(new Proxy({}, { get: (_target, property) => read.push(String(property)) }) as never);
    return read.join('.');
  }
  const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

  it.each(ALL_PHASES.map((phase) => [phase.name, phase] as const))("reach %s's own models, not another phase's of the same shape", (_name, phase) => {
    if (isFullPhase(phase)) {
      expect(propertyRead(phase.versions)).toBe(lowerFirst(phase.dataModel));
      expect(propertyRead(phase.decisions)).toBe(lowerFirst(phase.decisionType));
    } else {
      expect(propertyRead(phase.records)).toBe(lowerFirst(phase.recordType));
    }
  });
});
