import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import {
  FeedQuery,
  OnCallQuery,
  PageQuery,
  RPC,
  ScheduleBody,
  SchedulePatch,
  ShiftsQuery,
  type FeedView,
  type OnCallView,
  type Page,
  type ScheduleView,
  type ShiftView,
} from '@tocsin/contracts';
import type { FastifyReply } from 'fastify';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';
import { sendCalendar } from './calendar-reply';

/** On-call schedules: rotations in a time zone, overrides, who is on call, shifts and their feed. */
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Answers the schedule with its feed token and URL: the only time, with rotate-feed-token, they are shown. */
  @Post()
  create(@Body() body: ScheduleBody): Promise<ScheduleView> {
    return this.gateway.call(RPC.notifier.createSchedule, body);
  }

  @Get()
  list(@Query() query: PageQuery): Promise<Page<ScheduleView>> {
    return this.gateway.call(RPC.notifier.listSchedules, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<ScheduleView> {
    return this.gateway.call(RPC.notifier.getSchedule, { id });
  }

  /** Changes the fields given; `layers` and `overrides` each replace the whole list. */
  @Patch(':id')
  update(@Param('id', UUID_PARAM) id: string, @Body() body: SchedulePatch): Promise<ScheduleView> {
    return this.gateway.call(RPC.notifier.updateSchedule, { ...body, id });
  }

  /** Replaces the schedule: fields left out take their defaults (no description, no overrides). */
  @Put(':id')
  replace(@Param('id', UUID_PARAM) id: string, @Body() body: ScheduleBody): Promise<ScheduleView> {
    return this.gateway.call(RPC.notifier.updateSchedule, {
      id,
      name: body.name,
      description: body.description ?? null,
      timeZone: body.timeZone,
      layers: body.layers,
      overrides: body.overrides ?? [],
    });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteSchedule, { id });
  }

  /** A new feed token and URL, shown once; the old feed URL stops working. */
  @Post(':id/rotate-feed-token')
  @HttpCode(200)
  rotateFeedToken(@Param('id', UUID_PARAM) id: string): Promise<ScheduleView> {
    return this.gateway.call(RPC.notifier.rotateScheduleFeedToken, { id });
  }

  /** Who is on call at `at` (default now), with the shift's start, end and source. */
  @Get(':id/on-call')
  onCall(@Param('id', UUID_PARAM) id: string, @Query() query: OnCallQuery): Promise<OnCallView> {
    return this.gateway.call(RPC.notifier.scheduleOnCall, { ...query, id });
  }

  /** The final shifts that meet `[from, to)` (default: the coming week), paged. */
  @Get(':id/shifts')
  shifts(@Param('id', UUID_PARAM) id: string, @Query() query: ShiftsQuery): Promise<Page<ShiftView>> {
    return this.gateway.call(RPC.notifier.scheduleShifts, { ...query, id });
  }

  /**
   * The shifts as an iCalendar feed (default: from a week ago to 90 days after that).
   * @produces text/calendar
   */
  @Get(':id/shifts.ics')
  async feed(
    @Param('id', UUID_PARAM) id: string,
    @Query() query: FeedQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const feed = await this.gateway.call<FeedView>(RPC.notifier.scheduleFeed, { ...query, id });
    return sendCalendar(reply, feed);
  }
}
