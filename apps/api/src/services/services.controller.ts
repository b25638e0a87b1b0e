import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CreateServiceRequest,
  PageQuery,
  RPC,
  ServiceMetricsQuery,
  UpdateServiceBody,
  type Page,
  type ServiceMetricsView,
  type ServiceView,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** The service catalog, owned by deploy-tracker. */
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly gateway: RpcGateway) {}

  /** 201; 409 when the name or an alias is taken. */
  @Post()
  create(@Body() body: CreateServiceRequest): Promise<ServiceView> {
    return this.gateway.call(RPC.deployTracker.createService, body);
  }

  /** By name, A to Z; paged with limit and cursor. */
  @Get()
  list(@Query() query: PageQuery): Promise<Page<ServiceView>> {
    return this.gateway.call(RPC.deployTracker.listServices, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<ServiceView> {
    return this.gateway.call(RPC.deployTracker.getService, { id });
  }

  /** Any of name, aliases (replacing them; the name stays one), teamId, escalationPolicyId, description, links. */
  @Patch(':id')
  update(@Param('id', UUID_PARAM) id: string, @Body() body: UpdateServiceBody): Promise<ServiceView> {
    return this.gateway.call(RPC.deployTracker.updateService, { ...body, id });
  }

  /** 204; its deploys and incidents stay, without a service. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.deployTracker.deleteService, { id });
  }

  /** Deployment frequency, change failure rate and mean time to restore over `since`..`until`. */
  @Get(':id/metrics')
  metrics(
    @Param('id', UUID_PARAM) id: string,
    @Query() query: ServiceMetricsQuery,
  ): Promise<ServiceMetricsView> {
    return this.gateway.call(RPC.deployTracker.serviceMetrics, { ...query, id });
  }
}
