import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  FeedByTokenRequest,
  FeedRequest,
  IdRequest,
  OnCallRequest,
  PageQuery,
  RPC,
  ScheduleBody,
  ShiftsRequest,
  UpdateScheduleRequest,
  type FeedView,
  type OnCallView,
  type Page,
  type ScheduleView,
  type ShiftView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { SchedulesService } from './schedules.service';

/** Requests from the api about schedules: definitions, who is on call, shifts and feeds. */
@Controller()
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @OnRequest(RPC.notifier.createSchedule, ScheduleBody)
  create(@Payload() request: ScheduleBody): Promise<ScheduleView> {
    return this.schedules.create(request);
  }

  @OnRequest(RPC.notifier.listSchedules, PageQuery)
  list(@Payload() request: PageQuery): Promise<Page<ScheduleView>> {
    return this.schedules.list(request);
  }

  @OnRequest(RPC.notifier.getSchedule, IdRequest)
  get(@Payload() request: IdRequest): Promise<ScheduleView> {
    return this.schedules.get(request);
  }

  @OnRequest(RPC.notifier.updateSchedule, UpdateScheduleRequest)
  update(@Payload() request: UpdateScheduleRequest): Promise<ScheduleView> {
    return this.schedules.update(request);
  }

  @OnRequest(RPC.notifier.deleteSchedule, IdRequest)
  remove(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    return this.schedules.remove(request);
  }

  @OnRequest(RPC.notifier.rotateScheduleFeedToken, IdRequest)
  rotateFeedToken(@Payload() request: IdRequest): Promise<ScheduleView> {
    return this.schedules.rotateFeedToken(request);
  }

  @OnRequest(RPC.notifier.scheduleOnCall, OnCallRequest)
  onCall(@Payload() request: OnCallRequest): Promise<OnCallView> {
    return this.schedules.onCall(request);
  }

  @OnRequest(RPC.notifier.scheduleShifts, ShiftsRequest)
  shifts(@Payload() request: ShiftsRequest): Promise<Page<ShiftView>> {
    return this.schedules.shifts(request);
  }

  @OnRequest(RPC.notifier.scheduleFeed, FeedRequest)
  feed(@Payload() request: FeedRequest): Promise<FeedView> {
    return this.schedules.feed(request);
  }

  @OnRequest(RPC.notifier.scheduleFeedByToken, FeedByTokenRequest)
  feedByToken(@Payload() request: FeedByTokenRequest): Promise<FeedView> {
    return this.schedules.feedByToken(request);
  }
}
