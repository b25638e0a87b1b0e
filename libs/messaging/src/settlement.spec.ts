import { InvalidMessageError } from '@tocsin/contracts';
import { PoisonMessageError, PublishFailedError } from './errors';
import { isDependencyUnavailable, settleFailure } from './settlement';

const coded = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['a refused connection', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', coded('read ECONNRESET', 'ECONNRESET')],
    ['a database starting up', coded('the database system is starting up', '57P03')],
    ['a database shutting down', coded('terminating connection due to administrator command', '57P01')],
    ['a connection exception', coded('connection failure', '08006')],
    ['too many connections', coded('sorry, too many clients already', '53300')],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ['no connection from the pool in time', new Error('timeout exceeded when trying to connect')],
    ['a publish JetStream did not acknowledge', new PublishFailedError('events.normalized.x.1')],
    [
      "TypeORM's wrapper around a driver error",
      Object.assign(new Error('Query failed'), { driverError: coded('starting up', '57P03') }),
    ],
    ['a cause', new Error('could not store', { cause: coded('connect ECONNREFUSED', 'ECONNREFUSED') })],
  ])('is true for %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a constraint violation', coded('duplicate key value violates unique constraint', '23505')],
    ['a serialization failure', coded('could not serialize access', '40001')],
    ['a poison message', new PoisonMessageError('refers to nothing')],
    ['a contract breach', new InvalidMessageError('hook.received', ['bad'])],
    ['a plain error', new Error('always fails')],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});

describe('settleFailure', () => {
  it('naks with backoff before the last delivery and dead-letters on it', () => {
    expect(settleFailure(new Error('x'), 1, 5)).toMatchObject({ kind: 'nak' });
    expect(settleFailure(new Error('x'), 5, 5)).toMatchObject({
      kind: 'dead-letter',
      reason: 'failed 5 deliveries: Error: x',
    });
  });
});
