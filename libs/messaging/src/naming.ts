import type { ConsumerDefinition, StreamDefinition } from '@tocsin/contracts';

/** The installation-prefixed forms of the relative names kept in libs/contracts. */
export class Naming {
  constructor(readonly prefix: string) {}

  subject(relative: string): string {
    return `${this.prefix}.${relative}`;
  }

  /** The relative form of a prefixed subject. */
  relative(subject: string): string {
    return subject.startsWith(`${this.prefix}.`) ? subject.slice(this.prefix.length + 1) : subject;
  }

  stream(def: Pick<StreamDefinition, 'name'>): string {
    return `${this.prefix}-${def.name}`;
  }

  durable(def: Pick<ConsumerDefinition, 'durable'>): string {
    return `${this.prefix}-${def.durable}`;
  }

  bucket(name: string): string {
    return `${this.prefix}-${name}`;
  }

  queueGroup(service: string): string {
    return `${this.prefix}-${service}`;
  }
}
