import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ListIncidentsRequest,
  NoteBody,
  RPC,
  TimelineQuery,
  type InboundMessageView,
  type IncidentDetailView,
  type IncidentSuspectsView,
  type IncidentView,
  type Page,
  type SuspectDeployView,
  type TimelineEntryView,
} from '@tocsin/contracts';
import { HttpError, type HttpErrorBody } from '@tocsin/platform';
import { Caller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/**
 * An incident with its alerts, the latest of its timeline, the inbound messages that touched it, and
 * its suspect deploys (nearest first). When deploy-tracker cannot be asked, `suspectDeploys` is empty
 * and `suspectDeploysError` says why; the rest of the incident is answered all the same.
 */
export type IncidentResponse = IncidentDetailView & {
  inbound: InboundMessageView[];
  suspectDeploys: SuspectDeployView[];
  suspectDeploysError: string | null;
};

interface Suspects {
  serviceId: string | null;
  suspectDeploys: SuspectDeployView[];
  error: string | null;
}

@Controller('v1/incidents')
export class IncidentsController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Newest first; filters: status, integrationId, service, since, until; paged with limit and cursor. */
  @Get()
  list(@Query() query: ListIncidentsRequest): Promise<Page<IncidentView>> {
    return this.gateway.call(RPC.incidentState.listIncidents, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<IncidentResponse> {
    return this.withContext(id, this.gateway.call<IncidentDetailView>(RPC.incidentState.getIncident, { id }));
  }

  @Get(':id/timeline')
  timeline(
    @Param('id', UUID_PARAM) id: string,
    @Query() query: TimelineQuery,
  ): Promise<Page<TimelineEntryView>> {
    return this.gateway.call(RPC.incidentState.timeline, { ...query, id });
  }

  /** 409 when the incident is resolved already. */
  @Post(':id/acknowledge')
  @Roles('responder')
  @HttpCode(200)
  acknowledge(@Param('id', UUID_PARAM) id: string, @Caller() actor: string): Promise<IncidentResponse> {
    return this.withContext(id, this.gateway.call(RPC.incidentState.acknowledgeIncident, { id, actor }));
  }

  @Post(':id/resolve')
  @Roles('responder')
  @HttpCode(200)
  resolve(@Param('id', UUID_PARAM) id: string, @Caller() actor: string): Promise<IncidentResponse> {
    return this.withContext(id, this.gateway.call(RPC.incidentState.resolveIncident, { id, actor }));
  }

  @Post(':id/notes')
  @Roles('responder')
  @HttpCode(201)
  note(
    @Param('id', UUID_PARAM) id: string,
    @Body() body: NoteBody,
    @Caller() actor: string,
  ): Promise<IncidentResponse> {
    return this.withContext(id, this.gateway.call(RPC.incidentState.addNote, { id, actor, text: body.text }));
  }

  /**
   * Adds the inbound messages that touched the incident, from normalize (empty when it does not
   * answer), and its suspect deploys, from deploy-tracker, asked at the same time as incident-state.
   */
  private async withContext(id: string, detail: Promise<IncidentDetailView>): Promise<IncidentResponse> {
    const suspects = this.suspectsOf(id);
    const incident = await detail;
    const inbound = this.gateway
      .call<Page<InboundMessageView>>(RPC.normalize.inboundForIncident, {
        integrationId: incident.integrationId,
        incidentId: incident.id,
        limit: 50,
      })
      .then((page) => page.items)
      .catch(() => []);
    const [messages, s] = await Promise.all([inbound, suspects]);
    return {
      ...incident,
      serviceId: incident.serviceId ?? s.serviceId,
      inbound: messages,
      suspectDeploys: s.suspectDeploys,
      suspectDeploysError: s.error,
    };
  }

  /** Never rejects: a deploy-tracker that does not answer is reported in the answer instead. */
  private async suspectsOf(incidentId: string): Promise<Suspects> {
    try {
      const view = await this.gateway.call<IncidentSuspectsView>(RPC.deployTracker.incidentSuspects, {
        incidentId,
      });
      return { serviceId: view.serviceId, suspectDeploys: view.suspectDeploys, error: null };
    } catch (error) {
      const reason =
        error instanceof HttpError
          ? (error.getResponse() as HttpErrorBody).message
          : `deploy-tracker failed: ${(error as Error).message}`;
      return { serviceId: null, suspectDeploys: [], error: `suspect deploys unavailable: ${reason}` };
    }
  }
}
