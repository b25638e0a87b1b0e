import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CreateIntegrationRequest,
  GetInboundRequest,
  IdRequest,
  InboundForIncidentRequest,
  ListInboundRequest,
  PageQuery,
  RPC,
  TestIntegrationRequest,
  UpdateIntegrationRequest,
  type DryRunView,
  type InboundMessageView,
  type IntegrationView,
  type Page,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { InboundQuery } from '../inbound/inbound.query';
import { DryRunService } from './dry-run.service';
import { IntegrationsService } from './integrations.service';

/** Requests from the api about integrations and their inbound logs. */
@Controller()
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly dryRun: DryRunService,
    private readonly inbound: InboundQuery,
  ) {}

  @OnRequest(RPC.normalize.createIntegration, CreateIntegrationRequest)
  create(@Payload() request: CreateIntegrationRequest): Promise<IntegrationView> {
    return this.integrations.create(request);
  }

  @OnRequest(RPC.normalize.getIntegration, IdRequest)
  get(@Payload() request: IdRequest): Promise<IntegrationView> {
    return this.integrations.get(request.id);
  }

  @OnRequest(RPC.normalize.listIntegrations, PageQuery)
  list(@Payload() query: PageQuery): Promise<Page<IntegrationView>> {
    return this.integrations.list(query);
  }

  @OnRequest(RPC.normalize.updateIntegration, UpdateIntegrationRequest)
  update(@Payload() request: UpdateIntegrationRequest): Promise<IntegrationView> {
    return this.integrations.update(request);
  }

  @OnRequest(RPC.normalize.deleteIntegration, IdRequest)
  async remove(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    await this.integrations.remove(request.id);
    return { deleted: true };
  }

  @OnRequest(RPC.normalize.rotateIntegrationToken, IdRequest)
  rotateToken(@Payload() request: IdRequest): Promise<IntegrationView> {
    return this.integrations.rotateToken(request.id);
  }

  @OnRequest(RPC.normalize.testIntegration, TestIntegrationRequest)
  test(@Payload() request: TestIntegrationRequest): Promise<DryRunView> {
    return this.dryRun.run(request);
  }

  @OnRequest(RPC.normalize.listInbound, ListInboundRequest)
  listInbound(@Payload() request: ListInboundRequest): Promise<Page<InboundMessageView>> {
    return this.inbound.list(request);
  }

  @OnRequest(RPC.normalize.inboundForIncident, InboundForIncidentRequest)
  inboundForIncident(@Payload() request: InboundForIncidentRequest): Promise<Page<InboundMessageView>> {
    return this.inbound.forIncident(request);
  }

  @OnRequest(RPC.normalize.getInbound, GetInboundRequest)
  getInbound(@Payload() request: GetInboundRequest): Promise<InboundMessageView> {
    return this.inbound.get(request);
  }
}
