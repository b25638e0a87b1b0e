import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ListMaintenanceWindowsRequest,
  MaintenanceWindowBody,
  RPC,
  type MaintenanceWindowView,
  type Page,
} from '@tocsin/contracts';
import { Caller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** Maintenance windows: incidents are recorded, resolves applied, and nobody is paged. */
@Controller('v1/maintenance-windows')
export class MaintenanceController {
  constructor(private readonly gateway: RpcGateway) {}

  @Post()
  @Roles('responder')
  create(@Body() body: MaintenanceWindowBody, @Caller() actor: string): Promise<MaintenanceWindowView> {
    return this.gateway.call(RPC.incidentState.createMaintenanceWindow, { ...body, actor });
  }

  @Get()
  list(@Query() query: ListMaintenanceWindowsRequest): Promise<Page<MaintenanceWindowView>> {
    return this.gateway.call(RPC.incidentState.listMaintenanceWindows, query);
  }

  @Delete(':id')
  @Roles('responder')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.incidentState.deleteMaintenanceWindow, { id });
  }
}
