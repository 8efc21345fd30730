// `npm run generate`: writes every file the phase registry (subgraphs/kit/src/phases.ts) decides, so that adding a
// phase is a registry entry, this command and a migration (README, "Add a phase"). `--check` writes nothing and
// exits 1 when a committed file differs from what the registry makes of it.
//
// What it writes: the PhaseName enum (schema/shared/enums.graphql, between its generated markers), each phase's
// Prisma models and the datasource's schema list (prisma/schema/), each phase's subgraph folder
// (package.json, tsconfig.json, index.ts), the gateway's subgraph list, dependencies and project references, and docker-compose.yml's
// subgraph services (between its generated markers).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { SUBGRAPH_NAMES } from '../subgraphs/kit/src/platform/config';
import { ALL_PHASES, isFullPhase, type AuditPhase, type FullPhase, type Phase } from '../subgraphs/kit/src/phases';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The PostgreSQL schemas of what is not a phase. */
const OTHER_DATABASE_SCHEMAS = ['compat', 'events', 'identity'];
const PACKAGE_VERSION = '0.1.0';

/** `data-owner-id` → `dataOwnerId`. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** Every generated file, by path from the repository root, with its content as the registry makes it, formatted. */
export async function generatedFiles(): Promise<Map<string, string>> {
  const files = unformattedFiles(ALL_PHASES);
  for (const [file, content] of files) files.set(file, await formatted(file, content));
  return files;
}

/** `content` as prettier (the project's settings) writes `file`, where prettier knows the language. */
async function formatted(file: string, content: string): Promise<string> {
  const target = path.join(repositoryRoot, file);
  const { inferredParser } = await prettier.getFileInfo(target);
  if (!inferredParser) return content;
  return prettier.format(content, { ...(await prettier.resolveConfig(target)), filepath: target });
}

function unformattedFiles(phases: readonly Phase[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('schema/shared/enums.graphql', withRegion(read('schema/shared/enums.graphql'), '#', 'PhaseName', phaseNameEnum(phases)));
  files.set('prisma/schema/schema.prisma', prismaDatasource(phases));
  for (const phase of phases) {
    files.set(`prisma/schema/${phase.subgraph}.prisma`, isFullPhase(phase) ? fullPhaseModels(phase) : auditPhaseModels(phase));
    const folder = `subgraphs/${phase.subgraph}`;
    files.set(`${folder}/package.json`, phasePackage(phase));
    files.set(`${folder}/tsconfig.json`, phaseTsconfig());
    files.set(`${folder}/index.ts`, phaseIndex(phase, existsSync(path.join(repositoryRoot, folder, 'behaviour.ts'))));
  }
  files.set('gateway/src/subgraphs.ts', gatewaySubgraphList());
  files.set('gateway/package.json', gatewayPackage());
  files.set('gateway/tsconfig.json', gatewayTsconfig());
  let compose = read('docker-compose.yml');
  compose = withRegion(compose, '#', 'subgraph-urls', SUBGRAPH_NAMES.map((name) => `    ${urlVariable(name)}: http://${name}:4000/graphql`).join('\n'));
  compose = withRegion(compose, '#', 'subgraph-services', SUBGRAPH_NAMES.map(composeService).join('\n\n'));
  compose = withRegion(compose, '#', 'gateway-depends-on', SUBGRAPH_NAMES.map((name) => `      ${name}:\n        condition: service_started`).join('\n'));
  files.set('docker-compose.yml', compose);
  return files;
}

function read(file: string): string {
  return readFileSync(path.join(repositoryRoot, file), 'utf8');
}

/**
 * `text` with what stands between its `<comment> generated:begin <name>` and `<comment> generated:end <name>` lines
 * replaced by `content`.
 */
export function withRegion(text: string, comment: string, name: string, content: string): string {
  const begin = `${comment} generated:begin ${name}`;
  const end = `${comment} generated:end ${name}`;
  const pattern = new RegExp(`(^[ \\t]*${escape(begin)}[^\\n]*\\n)[\\s\\S]*?(^[ \\t]*${escape(end)})`, 'm');
  if (!pattern.test(text)) throw new Error(`no "${begin}" … "${end}" region`);
  return text.replace(pattern, (_match, head: string, tail: string) => `${head}${content}\n${tail}`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function phaseNameEnum(phases: readonly Phase[]): string {
  const how = (phase: Phase) =>
    isFullPhase(phase)
      ? `FULL versioning, approved by ${phase.approverRole === 'TESTER' ? 'a tester' : 'the report owner'}.`
      : 'AUDIT_ONLY: an append-only trail.';
  const values = phases.map((phase) => `  "${phase.displayName}: ${phase.summary}. ${how(phase)}"\n  ${phase.name}`);
  return `"The phases of the testing lifecycle, in order."\nenum PhaseName {\n${values.join('\n')}\n}`;
}

const GENERATED = 'Generated from the phase registry (subgraphs/kit/src/phases.ts) by `npm run generate`: do not edit.';

function prismaDatasource(phases: readonly Phase[]): string {
  const schemas = [...new Set([...OTHER_DATABASE_SCHEMAS, ...phases.map((phase) => phase.databaseSchema)])];
  return `// The generator and datasource shared by every subgraph's models. One Postgres schema per subgraph:
// each subgraph owns (and alone writes) the tables of its schema.
// ${GENERATED}
generator client {
  provider     = "prisma-client"
  output       = "../generated"
  moduleFormat = "esm"
}

datasource db {
  provider = "postgresql"
  schemas  = [${schemas.map((schema) => `"${schema}"`).join(', ')}]
}
`;
}

/** Prisma's enum name for a phase's status enum: the model's name and `Status`. */
function statusEnum(model: string): string {
  return `${model}Status`;
}

function fullPhaseModels(phase: FullPhase): string {
  const [schema, versions] = phase.versionTable.split('.') as [string, string];
  const decisions = phase.decisionTable.split('.')[1]!;
  const versionStatus = phase.versionStatusType.split('.')[1]!;
  const decisionStatus = phase.decisionStatusType.split('.')[1]!;
  return `// ${phase.displayName} subgraph (FULL versioning): numbered versions and their per-item decisions.
// ${GENERATED}

model ${phase.dataModel} {
  id              String    @id @default(uuid()) @map("version_id") @db.Uuid
  cycleId         String    @map("cycle_id") @db.Uuid
  reportId        String    @map("report_id") @db.Uuid
  versionNumber   Int       @map("version_number")
  status          ${statusEnum(phase.dataModel).padEnd(9)} @map("version_status")
  parentVersionId String?   @map("parent_version_id") @db.Uuid
  masterRecordId  String    @map("master_record_id") @db.Uuid
  data            Json      @db.JsonB
  createdById     String    @map("created_by") @db.Uuid
  createdAt       DateTime  @default(now()) @map("created_at") @db.Timestamptz(3)
  reviewedById    String?   @map("reviewed_by") @db.Uuid
  reviewedAt      DateTime? @map("reviewed_at") @db.Timestamptz(3)
  reviewNotes     String?   @map("review_notes")

  decisions ${phase.decisionType}[]

  @@unique([cycleId, reportId, versionNumber])
  @@index([cycleId, reportId, status])
  @@map("${versions}")
  @@schema("${schema}")
}

model ${phase.decisionType} {
  id                   String    @id @default(uuid()) @map("decision_id") @db.Uuid
  versionId            String    @map("version_id") @db.Uuid
  itemId               String    @map("item_id") @db.Uuid
  itemData             Json      @map("item_data") @db.JsonB
  /// Order within the version: carried decisions first (in their baseline's order), then new items as given.
  position             Int       @default(0)
  status               ${statusEnum(phase.decisionType)} @map("decision_status")
  reason               String?
  decidedById          String?   @map("decided_by") @db.Uuid
  decidedAt            DateTime? @map("decided_at") @db.Timestamptz(3)
  decisionNotes        String?   @map("decision_notes")
  carriedFromVersionId String?   @map("carried_from_version_id") @db.Uuid
  createdAt            DateTime  @default(now()) @map("created_at") @db.Timestamptz(3)

  version ${phase.dataModel} @relation(fields: [versionId], references: [id])

  @@unique([versionId, itemId])
  @@map("${decisions}")
  @@schema("${schema}")
}

/// Where a ${phase.displayName} version is in its life.
enum ${statusEnum(phase.dataModel)} {
  DRAFT
  APPROVED
  REJECTED
  SUPERSEDED

  @@map("${versionStatus}")
  @@schema("${schema}")
}

/// Where the decision on one item of a ${phase.displayName} version stands.
enum ${statusEnum(phase.decisionType)} {
  PENDING
  APPROVED
  REJECTED

  @@map("${decisionStatus}")
  @@schema("${schema}")
}
`;
}

function auditPhaseModels(phase: AuditPhase): string {
  const [schema, table] = phase.recordTable.split('.') as [string, string];
  return `// ${phase.displayName} subgraph (AUDIT_ONLY): an append-only audit trail, one row per recorded action.
// ${GENERATED}

model ${phase.dataModel} {
  id          String   @id @default(uuid()) @db.Uuid
  cycleId     String   @map("cycle_id") @db.Uuid
  reportId    String   @map("report_id") @db.Uuid
  data        Json     @db.JsonB
  createdById String   @map("created_by") @db.Uuid
  createdAt   DateTime @default(now()) @map("created_at") @db.Timestamptz(3)

  @@index([cycleId, reportId, createdAt])
  @@map("${table}")
  @@schema("${schema}")
}
`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function phasePackage(phase: Phase): string {
  return json({
    name: `@phasegraph/${phase.subgraph}`,
    version: PACKAGE_VERSION,
    private: true,
    description: `The ${phase.displayName} subgraph. ${GENERATED}`,
    type: 'module',
    main: 'index.ts',
    scripts: { start: `tsx ../kit/src/main.ts ${phase.subgraph}`, typecheck: 'tsc --build' },
    dependencies: { '@phasegraph/db': PACKAGE_VERSION, '@phasegraph/kit': PACKAGE_VERSION },
  });
}

function phaseTsconfig(): string {
  return json({ extends: '../../tsconfig.base.json', include: ['*.ts'], references: [{ path: '../kit' }, { path: '../../prisma' }] });
}

function phaseIndex(phase: Phase, hasBehaviour: boolean): string {
  const what = isFullPhase(phase) ? 'numbered, approvable versions and their decisions' : 'an append-only audit trail';
  return `// The ${phase.displayName} subgraph: ${what}. The kit builds it from the phase registry${hasBehaviour ? '; behaviour.ts says what this phase does its own way' : ''}.
// ${GENERATED}
import { phaseSubgraph } from '@phasegraph/kit';
${hasBehaviour ? "import { behaviour } from './behaviour';\n" : ''}
export const subgraph = phaseSubgraph('${phase.name}'${hasBehaviour ? ', behaviour' : ''});
`;
}

function gatewaySubgraphList(): string {
  const imports = [
    ...SUBGRAPH_NAMES.map((name) => [`@phasegraph/${name}`, `import { subgraph as ${camel(name)} } from '@phasegraph/${name}';`]),
    ['@phasegraph/kit', "import type { SubgraphDefinition } from '@phasegraph/kit';"],
  ]
    .sort(([a], [b]) => a!.localeCompare(b!))
    .map(([, line]) => line)
    .join('\n');
  return `// Every subgraph of the supergraph besides the in-process workflow subgraph, in the order they start.
// ${GENERATED}
${imports}

export const SUBGRAPHS: readonly SubgraphDefinition[] = [${SUBGRAPH_NAMES.map((name) => `\n  ${camel(name)},`).join('')}
];
`;
}

function gatewayPackage(): string {
  const current = JSON.parse(read('gateway/package.json')) as { dependencies: Record<string, string> };
  // Every dependency but the subgraphs' packages stays; those follow the registry.
  const kept = Object.entries(current.dependencies).filter(([name]) => !name.startsWith('@phasegraph/') || NOT_SUBGRAPHS.includes(name));
  const subgraphs = SUBGRAPH_NAMES.map((name) => [`@phasegraph/${name}`, PACKAGE_VERSION]);
  const dependencies = Object.fromEntries([...kept, ...subgraphs].sort(([a], [b]) => a!.localeCompare(b!)));
  return json({ ...current, dependencies });
}

/** The gateway's project references: the database, the kit and every subgraph, so each is type-checked once. */
function gatewayTsconfig(): string {
  const current = JSON.parse(read('gateway/tsconfig.json')) as Record<string, unknown>;
  const references = ['../prisma', '../subgraphs/kit', ...SUBGRAPH_NAMES.map((name) => `../subgraphs/${name}`)].map((path) => ({ path }));
  return json({ ...current, references });
}

/** The project's packages that are not subgraphs. */
const NOT_SUBGRAPHS = ['@phasegraph/kit', '@phasegraph/db'];

function urlVariable(subgraph: string): string {
  return `${subgraph.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`;
}

function composeService(name: string): string {
  return `  ${name}:\n    <<: *phasegraph\n    command: ['node', '--import', 'tsx', 'subgraphs/kit/src/main.ts', '${name}']`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [file, content] of await generatedFiles()) {
    const target = path.join(repositoryRoot, file);
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : null;
    if (committed === content) continue;
    stale.push(file);
    if (!check) {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
  if (check) {
    if (stale.length) {
      console.error(`Stale, run \`npm run generate\` and commit:\n${stale.map((file) => `  ${file}`).join('\n')}`);
      process.exit(1);
    }
    console.log('The files the phase registry generates are up to date.');
    return;
  }
  console.log(stale.length ? `Wrote:\n${stale.map((file) => `  ${file}`).join('\n')}` : 'Nothing to write: everything is up to date.');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
