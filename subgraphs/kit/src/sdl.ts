// Assembling a subgraph's SDL: the federation link, the shared SDL from schema/shared, and the subgraph's own files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, visit, type DocumentNode, type FieldDefinitionNode, type InterfaceTypeDefinitionNode, type StringValueNode } from 'graphql';

const here = path.dirname(fileURLToPath(import.meta.url));
const sharedDir = path.resolve(here, '../../../schema/shared');
const kitSdlDir = path.resolve(here, '../sdl');

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@inaccessible", "@shareable"])';

/** The shared SDL files by name: `scalars`, `enums`, `records`. */
export function sharedSdl(...names: string[]): string {
  return names.map((name) => readFileSync(path.join(sharedDir, `${name}.graphql`), 'utf8')).join('\n');
}

/** A file of the kit's SDL templates with `{{key}}` filled in. */
export function kitSdl(name: string, values: Record<string, string> = {}): string {
  const template = readFileSync(path.join(kitSdlDir, `${name}.graphql`), 'utf8');
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`SDL template ${name} needs a value for {{${key}}}.`);
    return value;
  });
}

/**
 * A subgraph's complete SDL, parsed. A field of a type that implements an interface and says nothing of itself
 * takes the interface field's description: a description is written once, where the field is first defined.
 */
export function subgraphTypeDefs(...parts: string[]): DocumentNode {
  return inheritDescriptions(parse([FEDERATION_LINK, ...parts].join('\n\n')));
}

export function inheritDescriptions(document: DocumentNode): DocumentNode {
  const interfaces = new Map(
    document.definitions
      .filter((definition): definition is InterfaceTypeDefinitionNode => definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
      .map((definition) => [definition.name.value, definition]),
  );
  const described = (typeName: string, fieldName: string): StringValueNode | undefined => {
    const type = interfaces.get(typeName);
    const field = type?.fields?.find((candidate) => candidate.name.value === fieldName);
    return field?.description ?? type?.interfaces?.map((parent) => described(parent.name.value, fieldName)).find(Boolean);
  };
  const withInherited = (node: { interfaces?: readonly { name: { value: string } }[]; fields?: readonly FieldDefinitionNode[] }) => ({
    ...node,
    fields: node.fields?.map((field) =>
      field.description ? field : { ...field, description: node.interfaces?.map((parent) => described(parent.name.value, field.name.value)).find(Boolean) },
    ),
  });
  return visit(document, { ObjectTypeDefinition: withInherited, InterfaceTypeDefinition: withInherited });
}

export function readSdlFile(file: URL): string {
  return readFileSync(file, 'utf8');
}
