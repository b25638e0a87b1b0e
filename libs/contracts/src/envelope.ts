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

/** Checks an envelope decoded from the wire against the expected message type. */
export function parseEnvelope<P extends object>(messageType: MessageType<P>, raw: unknown): Envelope<P> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidMessageError(messageType.type, ['envelope is not a JSON object']);
  }
  const envelope = plainToInstance(Envelope, raw) as Envelope<P>;
  const problems = flattenErrors(validateSync(envelope, LEAN));
  if (envelope.type !== messageType.type)
    problems.push(`type is "${String(envelope.type)}", expected "${messageType.type}"`);
  if (envelope.version !== messageType.version) {
    problems.push(`version is ${String(envelope.version)}, expected ${messageType.version}`);
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
