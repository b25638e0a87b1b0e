import type { ConsumerDefinition, StreamDefinition } from '@tocsin/contracts';

/** One durable consumer on the server, with its installation-prefixed name and filter. */
export interface DurableConsumer {
  /** `<prefix>-<durable>`, or `<prefix>-<durable>-<partition>` for a partitioned definition. */
  name: string;
  /** The prefixed filter subject. */
  filterSubject: string;
  /** Set for the durables of a partitioned definition. */
  partition?: number;
}

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

  /**
   * The durable consumers a definition stands for: one, or one per partition (`<durable>-<p>`,
   * filtered to `partitions.filter(p)`) when the definition is partitioned.
   */
  durables(def: ConsumerDefinition): DurableConsumer[] {
    const partitions = def.partitions;
    if (!partitions) return [{ name: this.durable(def), filterSubject: this.subject(def.filterSubject) }];
    return Array.from({ length: partitions.count }, (_, partition) => ({
      name: `${this.durable(def)}-${partition}`,
      filterSubject: this.subject(partitions.filter(partition)),
      partition,
    }));
  }

  bucket(name: string): string {
    return `${this.prefix}-${name}`;
  }

  queueGroup(service: string): string {
    return `${this.prefix}-${service}`;
  }
}
