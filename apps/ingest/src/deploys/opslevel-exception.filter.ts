import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OpsLevelException } from './opslevel.exception';

/**
 * Writes OpsLevelExceptions in OpsLevel's shape. Scoped to the deploys controller; anything else it
 * throws still reaches the global HttpErrorFilter.
 */
@Catch(OpsLevelException)
export class OpsLevelExceptionFilter implements ExceptionFilter<OpsLevelException> {
  catch(exception: OpsLevelException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.headers(exception.headers).status(exception.status).send({ errors: exception.errors });
  }
}
