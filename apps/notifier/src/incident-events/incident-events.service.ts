import { Injectable } from '@nestjs/common';
import { CONSUMERS, type IncidentChangedV1 } from '@tocsin/contracts';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import { PagingService } from '../paging/paging.service';
import { ServicePolicies } from '../paging/service-policies';
import { IncidentEvent } from './incident-event.entity';

@Injectable()
export class IncidentEventsService {
  constructor(
    private readonly inbox: Inbox,
    private readonly paging: PagingService,
    private readonly services: ServicePolicies,
    private readonly logger: PinoLogger,
  ) {}

  /**
   * Records an incident change once, however often it is delivered, and in the same transaction
   * starts or stops paging for it: a redelivered change pages nobody twice.
   */
  async record(change: IncidentChangedV1, messageId: string): Promise<void> {
    const { incident } = change;
    // The integration's policy, else its service's.
    const policyId =
      incident.escalationPolicyId ??
      (change.page && !change.held && incident.service
        ? await this.services.policyFor(incident.service)
        : null);
    const { applied, result } = await this.inbox.applyOnce(
      CONSUMERS.notifierIncidents.durable,
      messageId,
      async (em) => {
        await em.getRepository(IncidentEvent).insert({
          messageId,
          incidentId: change.incident.id,
          change: change.change,
          title: change.incident.title,
        });
        return this.paging.onChange(em, change, messageId, policyId);
      },
    );
    if (!applied) return;
    this.logger.info(
      { incidentId: change.incident.id, change: change.change, paging: result },
      'incident change received',
    );
    if (result === 'started') this.paging.nudge();
    if (result === 'stopped') this.paging.queued();
  }
}
