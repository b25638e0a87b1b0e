import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { ConsumerDefinition, MessageType } from '@tocsin/contracts';
import type { ClassConstructor } from 'class-transformer';

type PatternDecorator = (pattern: string, extras: Record<string, unknown>) => MethodDecorator;

/**
 * Handles the messages of a durable consumer from libs/contracts. With a message type, the
 * envelope and payload are validated before the handler runs (a bad one is dead-lettered).
 */
export function OnStream(
  consumer: ConsumerDefinition,
  options: {
    /** One type, or the types the consumer reads: the envelope is checked against the one it names. */
    messageType?: MessageType<object> | readonly MessageType<object>[];
    concurrency?: number;
    orderedSections?: boolean;
  } = {},
): MethodDecorator {
  return (EventPattern as PatternDecorator)(consumer.durable, options);
}

/** Answers requests on an rpc.* subject; the body is validated against `request` first (400 if not). */
export function OnRequest(subject: string, request?: ClassConstructor<object>): MethodDecorator {
  return (MessagePattern as PatternDecorator)(subject, request ? { request } : {});
}
