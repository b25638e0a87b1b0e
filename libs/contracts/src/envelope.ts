import { plainToInstance, type ClassConstructor } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsObject,
  IsString,
  Length,
  Min,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { compileCheck } from './compiled-check';

/**
 * Every message on the wire: the payload inside a versioned envelope. A change that breaks
 * consumers is a new version of the type, never an edit of an existing one.
 */
export class Envelope<T = unknown> {
  @IsString()
  @Length(1, 200)
  id: string;

  @IsString()
  @Length(1, 100)
  type: string;

  @IsInt()
  @Min(1)
  version: number;

  @IsISO8601({ strict: true })
  occurredAt: string;

  @IsString()
  @Length(1, 200)
  correlationId: string;

  @IsObject()
  payload: T;
}

/** A message whose envelope or payload does not satisfy its contract: a poison message. */
export class InvalidMessageError extends Error {
  constructor(
    readonly messageType: string,
    readonly problems: string[],
  ) {
    super(`invalid ${messageType} message: ${problems.join('; ')}`);
    this.name = 'InvalidMessageError';
  }
}

export interface MessageType<P extends object> {
  readonly type: string;
  readonly version: number;
  readonly payload: ClassConstructor<P>;
}

/** The payload class of a message type; of a union of types, the union of their payloads. */
export type PayloadOf<T> = T extends MessageType<infer P> ? P : never;

export function defineMessage<P extends object>(
  type: string,
  version: number,
  payload: ClassConstructor<P>,
): MessageType<P> {
  return { type, version, payload };
}

export function flattenErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((c) => `${path}: ${c}`);
    return [...own, ...flattenErrors(e.children ?? [], path)];
  });
}

/** Errors without copies of the object and value: every message is checked, most pass. */
const LEAN = { validationError: { target: false, value: false } };

/**
 * Checks an envelope decoded from the wire against the expected message type, or, given several
 * (a consumer that reads a message in an older shape too, during an upgrade), against the one
 * whose type and version it names.
 */
export function parseEnvelope<P extends object>(expected: MessageType<P>, raw: unknown): Envelope<P>;
export function parseEnvelope<T extends readonly MessageType<object>[]>(
  expected: T,
  raw: unknown,
): Envelope<PayloadOf<T[number]>>;
export function parseEnvelope(
  expected: MessageType<object> | readonly MessageType<object>[],
  raw: unknown,
): Envelope<object>;
export function parseEnvelope(
  expected: MessageType<object> | readonly MessageType<object>[],
  raw: unknown,
): Envelope<object> {
  const types: readonly MessageType<object>[] = Array.isArray(expected)
    ? expected
    : [expected as MessageType<object>];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidMessageError(types[0].type, ['envelope is not a JSON object']);
  }
  const named = raw as { type?: unknown; version?: unknown };
  const messageType = types.find((t) => t.type === named.type && t.version === named.version) ?? types[0];
  // Nearly every message passes: the compiled checks say so without class-transformer's copies and
  // class-validator's walk. A message they do not pass goes the long way, for the reasons.
  if (
    messageType.type === named.type &&
    messageType.version === named.version &&
    compileCheck(Envelope)?.(raw) &&
    compileCheck(messageType.payload)?.((raw as { payload?: unknown }).payload)
  ) {
    return raw as Envelope<object>;
  }
  const envelope = plainToInstance(Envelope, raw) as Envelope<object>;
  const problems = flattenErrors(validateSync(envelope, LEAN));
  if (envelope.type !== messageType.type || envelope.version !== messageType.version) {
    const accepted = types.map((t) => `"${t.type}" version ${t.version}`).join(' or ');
    problems.push(
      `type "${String(envelope.type)}" version ${String(envelope.version)}, expected ${accepted}`,
    );
  }
  if (problems.length > 0) throw new InvalidMessageError(messageType.type, problems);
  const payload = plainToInstance(messageType.payload, envelope.payload);
  const payloadProblems = flattenErrors(
    validateSync(payload, { ...LEAN, forbidUnknownValues: true }),
    'payload',
  );
  if (payloadProblems.length > 0) throw new InvalidMessageError(messageType.type, payloadProblems);
  envelope.payload = payload;
  return envelope;
}
