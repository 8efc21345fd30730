// `npm run codegen`: the phase subgraphs' internal operations as typed documents. The operations are written once,
// in subgraphs/kit/documents/, with {{…}} where a phase differs; each phase's copy is filled in from the phase
// registry and typed against that phase's own subgraph schema, and the template against the kit's template schema,
// whose types every phase's copy must then satisfy. Reads local files only. `--check` exits 1 when the committed
// files in subgraphs/kit/src/typed-documents/ are stale. It loads the subgraphs, hence the kit and the files it
// writes: if those were deleted, restore them from git first. (Not named `generated`: that folder name marks output
// left out of a checkout's copy, as in tests/add-a-phase.test.ts; these files are checked in.)
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { codegen } from '@graphql-codegen/core';
import * as typedDocumentNode from '@graphql-codegen/typed-document-node';
import * as typescriptOperations from '@graphql-codegen/typescript-operations';
import { Kind, parse, printSchema, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { format, resolveConfig } from 'prettier';
import { SUBGRAPHS } from '../gateway/src/subgraphs';
import { ALL_PHASES, isFullPhase, type Phase } from '../subgraphs/kit/src/phases';
import { kitSdl, sharedSdl, subgraphTypeDefs } from '../subgraphs/kit/src/sdl';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const documentsDir = path.join(root, 'subgraphs/kit/documents');
const typedDocumentsDir = path.join(root, 'subgraphs/kit/src/typed-documents');

/** The two kinds of phase, each with its template of documents and the names its copies fill in. */
const KINDS = {
  FULL: { kind: 'FULL', template: 'full-phase', documentsType: 'FullPhaseDocuments', table: 'FULL_PHASE_DOCUMENTS' },
  AUDIT_ONLY: { kind: 'AUDIT_ONLY', template: 'audit-phase', documentsType: 'AuditPhaseDocuments', table: 'AUDIT_PHASE_DOCUMENTS' },
} as const;

/**
 * Placeholder names for the template schema: the kit's SDL templates filled in as for a phase called "Phase". No
 * phase is called that; the schema exists so that the documents are typed once, from their template.
 */
const TEMPLATE_VALUES = {
  PHASE: 'PHASE',
  prefix: 'phase',
  Version: 'PhaseVersion',
  Decision: 'PhaseDecision',
  Record: 'PhaseAuditRecord',
  versionDescription: 'A version.',
  dataDescription: 'Its data.',
  decisionsDescription: 'Its decisions.',
  itemDescription: 'The item.',
  recordDescription: 'An audit record.',
};

/** How GraphQL's scalars read in TypeScript. DateTime is a Date in process and an ISO string over HTTP. */
const CODEGEN_CONFIG = {
  scalars: {
    ID: 'string',
    DateTime: { input: 'Date | string', output: 'Date | string' },
    JSON: 'unknown',
    _Any: '{ __typename: string; [field: string]: unknown }',
  },
  skipTypename: true,
  useTypeImports: true,
};

/** Each generated file (by name) and its content. */
async function generate(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { kind, template, documentsType } of Object.values(KINDS)) {
    const schema = templateSchema(kind);
    const documents = await templateDocuments(template, TEMPLATE_VALUES);
    const types = await codegen({
      filename: `${template}.ts`,
      schema: parse(printSchema(schema)),
      schemaAst: schema,
      documents: [{ document: documents, location: `subgraphs/kit/documents/${template}.graphql` }],
      config: CODEGEN_CONFIG,
      plugins: [{ typescriptOperations: {} }],
      pluginMap: { typescriptOperations },
    });
    const source = header(`subgraphs/kit/documents/${template}.graphql, typed against the kit's template schema`);
    const imports = "import type { TypedDocumentNode } from '@graphql-typed-document-node/core';\n";
    files.set(`${template}.ts`, `${source}${imports}${types}\n${documentsInterface(documentsType, documents)}`);
  }
  for (const phase of ALL_PHASES) {
    const { template } = KINDS[phase.versioningType];
    const definition = SUBGRAPHS.find((subgraph) => subgraph.name === phase.subgraph);
    if (!definition) throw new Error(`No subgraph ${phase.subgraph} for ${phase.name}.`);
    const schema = buildSubgraphSchema({ typeDefs: definition.typeDefs });
    const values: Record<string, string> = isFullPhase(phase)
      ? { prefix: phase.fieldPrefix, Version: phase.versionType }
      : { prefix: phase.fieldPrefix, Record: phase.recordType };
    const documents = await templateDocuments(template, values);
    const code = await codegen({
      filename: `${phase.subgraph}.ts`,
      schema: parse(printSchema(schema)),
      schemaAst: schema,
      documents: [{ document: documents, location: `subgraphs/kit/documents/${template}.graphql (${phase.name})` }],
      config: CODEGEN_CONFIG,
      plugins: [{ typescriptOperations: {} }, { typedDocumentNode: {} }],
      pluginMap: { typescriptOperations, typedDocumentNode },
    });
    files.set(
      `${phase.subgraph}.ts`,
      `${header(`subgraphs/kit/documents/${template}.graphql for ${phase.name}, typed against the ${phase.subgraph} subgraph`)}${code}\n${documentsTable(phase, documents)}`,
    );
  }
  files.set('index.ts', phaseTables());
  return files;
}

function templateSchema(kind: Phase['versioningType']): GraphQLSchema {
  // The same parts as a phase subgraph's SDL (phaseSubgraph in the kit), without the phase.
  const { template } = KINDS[kind];
  return buildSubgraphSchema({
    typeDefs: subgraphTypeDefs(
      sharedSdl('scalars', 'enums', 'records', 'inputs'),
      kitSdl('user-reference'),
      kitSdl(`${template}-types`, TEMPLATE_VALUES),
      kitSdl(`${template}-operations`, TEMPLATE_VALUES),
    ),
  });
}

async function templateDocuments(template: string, values: Record<string, string>): Promise<DocumentNode> {
  const text = await readFile(path.join(documentsDir, `${template}.graphql`), 'utf8');
  return parse(
    text.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`Document template ${template} needs a value for {{${key}}}.`);
      return value;
    }),
  );
}

function operations(documents: DocumentNode): { key: string; name: string; suffix: string }[] {
  return documents.definitions
    .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)
    .map((definition) => {
      const name = definition.name?.value;
      if (!name) throw new Error('Every operation in subgraphs/kit/documents must be named.');
      return { key: name.charAt(0).toLowerCase() + name.slice(1), name, suffix: definition.operation === 'query' ? 'Query' : 'Mutation' };
    });
}

function documentsInterface(type: string, documents: DocumentNode): string {
  const fields = operations(documents).map(({ key, name, suffix }) => `  ${key}: TypedDocumentNode<${name}${suffix}, ${name}${suffix}Variables>;`);
  return `/** The documents of every phase of this kind, by operation: each phase's copy has these types. */\nexport interface ${type} {\n${fields.join('\n')}\n}\n`;
}

function documentsTable(phase: Phase, documents: DocumentNode): string {
  const fields = operations(documents).map(({ key, name }) => `  ${key}: ${name}Document,`);
  return `/** ${phase.displayName}'s copy of each document, by operation. */\nexport const documents = {\n${fields.join('\n')}\n};\n`;
}

/** The tables of each kind's phases and their documents; `satisfies` holds every phase's copy to its template's types. */
function phaseTables(): string {
  const tables = Object.values(KINDS).map(({ kind, table, documentsType }) => {
    const entries = ALL_PHASES.filter((phase) => phase.versioningType === kind).map((phase) => `  ${phase.name}: ${camel(phase.subgraph)}.documents,`);
    return `/** Each ${kind} phase's documents, by phase. */\nexport const ${table} = {\n${entries.join('\n')}\n} satisfies { readonly [Name in PhaseName]?: ${documentsType} };\n`;
  });
  const imports = [
    "import type { PhaseName } from '../phases';",
    ...Object.values(KINDS).map(({ template, documentsType }) => `import type { ${documentsType} } from './${template}';`),
    ...ALL_PHASES.map((phase) => `import * as ${camel(phase.subgraph)} from './${phase.subgraph}';`),
  ];
  return `${header('the phase registry')}${imports.join('\n')}\n\n${tables.join('\n')}`;
}

function header(source: string): string {
  return `// Generated by \`npm run codegen\` from ${source}. Do not edit.\n`;
}

async function main(): Promise<void> {
  const files = await generate();
  const expected = new Map<string, string>();
  for (const [name, content] of files) {
    const filepath = path.join(typedDocumentsDir, name);
    expected.set(name, await format(content, { ...(await resolveConfig(filepath)), filepath }));
  }
  const present = await readdir(typedDocumentsDir).catch(() => [] as string[]);
  const stale = [
    ...present.filter((name) => !expected.has(name)),
    ...(
      await Promise.all(
        [...expected].map(async ([name, content]) => ((await readFile(path.join(typedDocumentsDir, name), 'utf8').catch(() => '')) === content ? null : name)),
      )
    ).filter((name) => name !== null),
  ];
  if (process.argv.includes('--check')) {
    if (stale.length) {
      console.error(`subgraphs/kit/src/typed-documents is stale (${stale.join(', ')}): run \`npm run codegen\` and commit it.`);
      process.exit(1);
    }
    console.log('subgraphs/kit/src/typed-documents is up to date.');
    return;
  }
  for (const name of present.filter((name) => !expected.has(name))) await rm(path.join(typedDocumentsDir, name));
  for (const [name, content] of expected) await writeFile(path.join(typedDocumentsDir, name), content);
  console.log(stale.length ? `Wrote subgraphs/kit/src/typed-documents (${stale.join(', ')}).` : 'subgraphs/kit/src/typed-documents is already up to date.');
}

function camel(name: string): string {
  return name.replace(/-(\w)/g, (_match, letter: string) => letter.toUpperCase());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
