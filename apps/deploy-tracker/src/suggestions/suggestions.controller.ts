import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AcceptSuggestionRequest,
  IdRequest,
  ListSuggestionsRequest,
  RPC,
  type AcceptedSuggestionView,
  type Page,
  type ServiceSuggestionView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { SuggestionsService } from './suggestions.service';

/** Requests from the api about service suggestions. */
@Controller()
export class SuggestionsController {
  constructor(private readonly suggestions: SuggestionsService) {}

  @OnRequest(RPC.deployTracker.listSuggestions, ListSuggestionsRequest)
  list(@Payload() request: ListSuggestionsRequest): Promise<Page<ServiceSuggestionView>> {
    return this.suggestions.list(request);
  }

  @OnRequest(RPC.deployTracker.acceptSuggestion, AcceptSuggestionRequest)
  accept(@Payload() request: AcceptSuggestionRequest): Promise<AcceptedSuggestionView> {
    return this.suggestions.accept(request);
  }

  @OnRequest(RPC.deployTracker.dismissSuggestion, IdRequest)
  dismiss(@Payload() request: IdRequest): Promise<ServiceSuggestionView> {
    return this.suggestions.dismiss(request.id);
  }
}
