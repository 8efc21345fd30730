// The labels of phasegraph's metrics take bounded sets of values, whatever clients send.
import { MAX_OPERATION_NAMES, errorCodeLabel, operationNameLabel } from '../platform/metrics';

describe('operationNameLabel', () => {
  it('names an anonymous operation and one that never resolved', () => {
    expect(operationNameLabel(null)).toBe('anonymous');
    expect(operationNameLabel(undefined)).toBe('unknown');
  });

  it(`gives the first ${MAX_OPERATION_NAMES} names their own label and every later one \`other\``, () => {
    const names = Array.from({ length: MAX_OPERATION_NAMES + 5 }, (_, i) => `Operation${i}`);
    const labels = names.map((name) => operationNameLabel(name));
    expect(labels.slice(0, MAX_OPERATION_NAMES)).toEqual(names.slice(0, MAX_OPERATION_NAMES));
    expect(new Set(labels.slice(MAX_OPERATION_NAMES))).toEqual(new Set(['other']));
    // A name seen before the cap keeps its label.
    expect(operationNameLabel('Operation0')).toBe('Operation0');
  });
});

describe('errorCodeLabel', () => {
  it('keeps the codes phasegraph answers with, and folds anything else into OTHER', () => {
    expect(errorCodeLabel('BAD_USER_INPUT')).toBe('BAD_USER_INPUT');
    expect(errorCodeLabel('INTERNAL_SERVER_ERROR')).toBe('INTERNAL_SERVER_ERROR');
    expect(errorCodeLabel('GRAPHQL_VALIDATION_FAILED')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCodeLabel(`MADE_UP_${Math.random()}`)).toBe('OTHER');
    expect(errorCodeLabel(undefined)).toBe('INTERNAL_SERVER_ERROR');
  });
});
