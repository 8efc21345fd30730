// Which failures are faults of the platform (retried, then SERVICE_UNAVAILABLE) and which are not.
import { GraphQLError } from 'graphql';
import { isTransientFault } from '../platform/faults';

/** An error as pg raises it for a server-side condition. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

describe('isTransientFault', () => {
  it.each([
    ['the server ending a connection (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server shutting down (57P03)', pgError('57P03', 'the database system is shutting down')],
    ['too many connections (53300)', pgError('53300', 'sorry, too many clients already')],
    ['a serialization failure (40001)', pgError('40001', 'could not serialize access due to concurrent update')],
    ['a deadlock (40P01)', pgError('40P01', 'deadlock detected')],
    ['a connection exception (08006)', pgError('08006', 'connection failure')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
    ['a pool timeout', new Error('Transaction API error: Unable to start a transaction in the given time.')],
    ['a lost connection, in words only', new Error('Connection terminated unexpectedly')],
    ['Prisma: a write conflict (P2034)', Object.assign(new Error('Transaction failed due to a write conflict or a deadlock.'), { code: 'P2034' })],
    [
      'Prisma: the adapter saw the connection closed',
      Object.assign(new Error('Client has encountered a connection error'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } },
      }),
    ],
    ['wrapped in a GraphQL error', new GraphQLError('Unexpected error.', { originalError: pgError('57P01', 'terminating connection') })],
    ['the cause of another error', new Error('query failed', { cause: pgError('57P02', 'terminating connection due to crash of another server process') })],
  ])('recognises %s', (_name, error) => {
    expect(isTransientFault(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a value an enum does not have', pgError('22P02', 'invalid input value for enum planning.decision_status: "ON_HOLD"')],
    ['phasegraph refusing the request', new GraphQLError('Version x is APPROVED.', { extensions: { code: 'CONFLICT' } })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('leaves %s alone', (_name, error) => {
    expect(isTransientFault(error)).toBe(false);
  });
});
