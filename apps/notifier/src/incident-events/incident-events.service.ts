import { Injectable } from '@nestjs/common';
import { CONSUMERS, type IncidentChangedV1 } from '@tocsin/contracts';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import { IncidentEvent } from './incident-event.entity';

@Injectable()
export class IncidentEventsService {
  constructor(
    private readonly inbox: Inbox,
    private readonly logger: PinoLogger,
  ) {}

  /** Records an incident change once, however often it is delivered. */
  async record(change: IncidentChangedV1, messageId: string): Promise<void> {
    const { applied } = await this.inbox.applyOnce(
      CONSUMERS.notifierIncidents.durable,
      messageId,
      async (em) => {
        await em.getRepository(IncidentEvent).insert({
          messageId,
          incidentId: change.incident.id,
          change: change.change,
          title: change.incident.title,
        });
        return null;
      },
    );
    if (applied)
      this.logger.info({ incidentId: change.incident.id, change: change.change }, 'incident change received');
  }
}
