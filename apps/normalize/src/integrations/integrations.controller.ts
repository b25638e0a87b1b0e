import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CreateIntegrationRequest,
  IdRequest,
  PageQuery,
  RPC,
  type IntegrationView,
  type Page,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { IntegrationsService } from './integrations.service';

/** Requests from the api about integrations. */
@Controller()
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @OnRequest(RPC.normalize.createIntegration, CreateIntegrationRequest)
  async create(@Payload() request: CreateIntegrationRequest): Promise<IntegrationView> {
    const created = await this.integrations.create(request);
    return { ...created, url: created.url.replace('{token}', created.token ?? '') };
  }

  @OnRequest(RPC.normalize.getIntegration, IdRequest)
  get(@Payload() request: IdRequest): Promise<IntegrationView> {
    return this.integrations.get(request.id);
  }

  @OnRequest(RPC.normalize.listIntegrations, PageQuery)
  list(@Payload() query: PageQuery): Promise<Page<IntegrationView>> {
    return this.integrations.list(query);
  }
}
