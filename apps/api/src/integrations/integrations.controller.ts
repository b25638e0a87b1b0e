import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CreateIntegrationRequest,
  ListInboundQuery,
  PageQuery,
  RPC,
  TestIntegrationBody,
  UpdateIntegrationBody,
  type DryRunView,
  type InboundMessageView,
  type IntegrationView,
  type Page,
} from '@tocsin/contracts';
import { HttpError } from '@tocsin/platform';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

@Controller('v1/integrations')
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
  get(@Param('id', UUID_PARAM) id: string): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.getIntegration, { id });
  }

  /** Changes name, mapping, enabled, signing, debug, escalation policy or service. */
  @Patch(':id')
  update(@Param('id', UUID_PARAM) id: string, @Body() body: UpdateIntegrationBody): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.updateIntegration, { ...body, id });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.normalize.deleteIntegration, { id });
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id', UUID_PARAM) id: string): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.updateIntegration, { id, enabled: true });
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id', UUID_PARAM) id: string): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.updateIntegration, { id, enabled: false });
  }

  /** A new token (and URL), shown once; the old token stops working. */
  @Post(':id/rotate-token')
  @HttpCode(200)
  rotateToken(@Param('id', UUID_PARAM) id: string): Promise<IntegrationView> {
    return this.gateway.call(RPC.normalize.rotateIntegrationToken, { id });
  }

  /** A dry run: the events a payload would make and what each would do now. Stores nothing. */
  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id', UUID_PARAM) id: string, @Body() body: TestIntegrationBody): Promise<DryRunView> {
    return this.gateway.call(RPC.normalize.testIntegration, { ...body, id });
  }

  /** The inbound log, newest first; filter by outcome. */
  @Get(':id/inbound')
  inbound(
    @Param('id', UUID_PARAM) id: string,
    @Query() query: ListInboundQuery,
  ): Promise<Page<InboundMessageView>> {
    return this.gateway.call(RPC.normalize.listInbound, { ...query, id });
  }

  @Get(':id/inbound/:hookId')
  inboundMessage(
    @Param('id', UUID_PARAM) id: string,
    @Param('hookId') hookId: string,
  ): Promise<InboundMessageView> {
    if (hookId.length > 100) throw new HttpError(400, 'hookId is at most 100 characters');
    return this.gateway.call(RPC.normalize.getInbound, { integrationId: id, hookId });
  }
}
