import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CreateServiceRequest,
  IdRequest,
  PageQuery,
  RPC,
  ServiceMetricsRequest,
  UpdateServiceRequest,
  type Page,
  type ServiceMetricsView,
  type ServiceView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { ServiceMetricsService } from './service-metrics.service';
import { ServicesService } from './services.service';

/** Requests from the api about the service catalog. */
@Controller()
export class ServicesController {
  constructor(
    private readonly services: ServicesService,
    private readonly metricsService: ServiceMetricsService,
  ) {}

  @OnRequest(RPC.deployTracker.createService, CreateServiceRequest)
  create(@Payload() request: CreateServiceRequest): Promise<ServiceView> {
    return this.services.create(request);
  }

  @OnRequest(RPC.deployTracker.listServices, PageQuery)
  list(@Payload() query: PageQuery): Promise<Page<ServiceView>> {
    return this.services.list(query);
  }

  @OnRequest(RPC.deployTracker.getService, IdRequest)
  get(@Payload() request: IdRequest): Promise<ServiceView> {
    return this.services.get(request.id);
  }

  @OnRequest(RPC.deployTracker.updateService, UpdateServiceRequest)
  update(@Payload() request: UpdateServiceRequest): Promise<ServiceView> {
    return this.services.update(request);
  }

  @OnRequest(RPC.deployTracker.deleteService, IdRequest)
  async remove(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    await this.services.remove(request.id);
    return { deleted: true };
  }

  @OnRequest(RPC.deployTracker.serviceMetrics, ServiceMetricsRequest)
  metrics(@Payload() request: ServiceMetricsRequest): Promise<ServiceMetricsView> {
    return this.metricsService.metrics(request);
  }
}
