import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { CreateIntegrationRequest, PageQuery, RPC, type IntegrationView, type Page } from '@tocsin/contracts';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { RpcGateway } from '../gateway/rpc.gateway';

@Controller('v1/integrations')
@UseGuards(ApiKeyGuard)
export class IntegrationsController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Answers the integration with its token and URL: the only time the token is shown. */
  @Post()
  create(@Body() body: CreateIntegrationRequest): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.createIntegration, body);
  }

  @Get()
  list(@Query() query: PageQuery): Promise<Page<IntegrationView>> {
    return this.gateway.call(RPC.normalize.listIntegrations, query);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.getIntegration, { id });
  }
}
