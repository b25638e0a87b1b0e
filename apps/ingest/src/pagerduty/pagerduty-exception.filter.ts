import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PagerDutyException } from './pagerduty.exception';

/**
 * Writes PagerDutyExceptions in PagerDuty's shape. Scoped to the PagerDuty controller; anything
 * else it throws still reaches the global HttpErrorFilter.
 */
@Catch(PagerDutyException)
export class PagerDutyExceptionFilter implements ExceptionFilter<PagerDutyException> {
  catch(exception: PagerDutyException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.headers(exception.headers).status(exception.status).send(exception.body);
  }
}
