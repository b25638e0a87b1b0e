import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ListIncidentsRequest,
  NoteBody,
  RPC,
  TimelineQuery,
  type InboundMessageView,
  type IncidentDetailView,
  type IncidentView,
  type Page,
  type TimelineEntryView,
} from '@tocsin/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller } from '../auth/caller.decorator';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** An incident with its alerts, the latest of its timeline, and the inbound messages that touched it. */
export type IncidentResponse = IncidentDetailView & { inbound: InboundMessageView[] };

@Controller('v1/incidents')
@UseGuards(ApiKeyGuard)
export class IncidentsController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Newest first; filters: status, integrationId, service, since, until; paged with limit and cursor. */
  @Get()
  list(@Query() query: ListIncidentsRequest): Promise<Page<IncidentView>> {
    return this.gateway.call(RPC.incidentState.listIncidents, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<IncidentResponse> {
    return this.withInbound(this.gateway.call<IncidentDetailView>(RPC.incidentState.getIncident, { id }));
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
  @HttpCode(200)
  acknowledge(@Param('id', UUID_PARAM) id: string, @Caller() actor: string): Promise<IncidentResponse> {
    return this.withInbound(this.gateway.call(RPC.incidentState.acknowledgeIncident, { id, actor }));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  resolve(@Param('id', UUID_PARAM) id: string, @Caller() actor: string): Promise<IncidentResponse> {
    return this.withInbound(this.gateway.call(RPC.incidentState.resolveIncident, { id, actor }));
  }

  @Post(':id/notes')
  @HttpCode(201)
  note(
    @Param('id', UUID_PARAM) id: string,
    @Body() body: NoteBody,
    @Caller() actor: string,
  ): Promise<IncidentResponse> {
    return this.withInbound(this.gateway.call(RPC.incidentState.addNote, { id, actor, text: body.text }));
  }

  /** Adds the inbound messages that touched the incident, from normalize (empty when it does not answer). */
  private async withInbound(detail: Promise<IncidentDetailView>): Promise<IncidentResponse> {
    const incident = await detail;
    const inbound = await this.gateway
      .call<Page<InboundMessageView>>(RPC.normalize.inboundForIncident, {
        integrationId: incident.integrationId,
        incidentId: incident.id,
        limit: 50,
      })
      .then((page) => page.items)
      .catch(() => []);
    return { ...incident, inbound };
  }
}
