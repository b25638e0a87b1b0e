import { Controller, Get, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { ListIncidentsRequest, RPC, type IncidentView, type Page } from '@tocsin/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RpcGateway } from '../gateway/rpc.gateway';

@Controller('v1/incidents')
@UseGuards(ApiKeyGuard)
export class IncidentsController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Newest first; filters: status, integrationId; paged with limit and cursor. */
  @Get()
  list(@Query() query: ListIncidentsRequest): Promise<Page<IncidentView>> {
    return this.gateway.call(RPC.incidentState.listIncidents, query);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<IncidentView> {
    return this.gateway.call(RPC.incidentState.getIncident, { id });
  }
}
