import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CallerRequest } from './api-key.guard';

/** The name of the api key behind a request (`admin` for TOCSIN_ADMIN_KEY), for timelines. */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<CallerRequest>().caller ?? 'unknown',
);
