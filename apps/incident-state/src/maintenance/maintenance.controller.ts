import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CreateMaintenanceWindowRequest,
  IdRequest,
  ListMaintenanceWindowsRequest,
  RPC,
  type MaintenanceWindowView,
  type Page,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { MaintenanceService } from './maintenance.service';

/** Requests from the api about maintenance windows. */
@Controller()
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @OnRequest(RPC.incidentState.createMaintenanceWindow, CreateMaintenanceWindowRequest)
  create(@Payload() request: CreateMaintenanceWindowRequest): Promise<MaintenanceWindowView> {
    return this.maintenance.create(request);
  }

  @OnRequest(RPC.incidentState.listMaintenanceWindows, ListMaintenanceWindowsRequest)
  list(@Payload() request: ListMaintenanceWindowsRequest): Promise<Page<MaintenanceWindowView>> {
    return this.maintenance.list(request);
  }

  @OnRequest(RPC.incidentState.deleteMaintenanceWindow, IdRequest)
  remove(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    return this.maintenance.remove(request);
  }
}
