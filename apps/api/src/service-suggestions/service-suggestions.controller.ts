import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  AcceptSuggestionBody,
  ListSuggestionsRequest,
  RPC,
  type AcceptedSuggestionView,
  type Page,
  type ServiceSuggestionView,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** Aliases deploys used that no service has: accept one as a service, or dismiss it. */
@Controller('v1/service-suggestions')
export class ServiceSuggestionsController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Most recently seen first; `status` open (default), dismissed or accepted. */
  @Get()
  list(@Query() query: ListSuggestionsRequest): Promise<Page<ServiceSuggestionView>> {
    return this.gateway.call(RPC.deployTracker.listSuggestions, query);
  }

  /**
   * Creates a service for the alias (`name` and the other service fields optional), or with
   * `serviceId` gives the alias to that service; links every deploy recorded under it.
   */
  @Post(':id/accept')
  @HttpCode(200)
  accept(
    @Param('id', UUID_PARAM) id: string,
    @Body() body: AcceptSuggestionBody,
  ): Promise<AcceptedSuggestionView> {
    return this.gateway.call(RPC.deployTracker.acceptSuggestion, { ...body, id });
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  dismiss(@Param('id', UUID_PARAM) id: string): Promise<ServiceSuggestionView> {
    return this.gateway.call(RPC.deployTracker.dismissSuggestion, { id });
  }
}
