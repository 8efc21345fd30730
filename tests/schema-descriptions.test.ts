// Analysts explore the schema in Sandbox and GraphiQL, which show each element's description: every type, field,
// argument, input field and enum value the gateway serves is described. Read through introspection, as they read it.
import {
  buildClientSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { ok } from './support/api';

/** Every element of the schema without a description, by its coordinate (`Type.field(argument:)`). */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const check = (coordinate: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const argument of field.args) check(`${type.name}.${field.name}(${argument.name}:)`, argument.description);
      }
    }
    if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
    if (isEnumType(type)) for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
  }
  for (const directive of schema.getDirectives().filter((candidate) => !isSpecifiedDirective(candidate))) {
    check(`@${directive.name}`, directive.description);
    for (const argument of directive.args) check(`@${directive.name}(${argument.name}:)`, argument.description);
  }
  return missing;
}

describe('the schema analysts read', () => {
  it('describes every type, field, argument, input field and enum value', async () => {
    const introspection = await ok<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {}, null);
    const schema = buildClientSchema(introspection);
    // The walk itself must reach the arguments: a schema with none would pass for the wrong reason.
    expect(schema.getMutationType()?.getFields().approveVersion?.args.length).toBeGreaterThan(0);
    expect(undescribed(schema)).toEqual([]);
  });
});
