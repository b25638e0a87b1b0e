import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { PageQuery, RPC, TeamBody, TeamPatch, type Page, type TeamView } from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** Teams: named groups of users that escalation steps can page together. */
@Controller('v1/teams')
export class TeamsController {
  constructor(private readonly gateway: RpcGateway) {}

  @Post()
  create(@Body() body: TeamBody): Promise<TeamView> {
    return this.gateway.call(RPC.notifier.createTeam, body);
  }

  @Get()
  list(@Query() query: PageQuery): Promise<Page<TeamView>> {
    return this.gateway.call(RPC.notifier.listTeams, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<TeamView> {
    return this.gateway.call(RPC.notifier.getTeam, { id });
  }

  @Patch(':id')
  update(@Param('id', UUID_PARAM) id: string, @Body() body: TeamPatch): Promise<TeamView> {
    return this.gateway.call(RPC.notifier.updateTeam, { ...body, id });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteTeam, { id });
  }
}
