import { ParseUUIDPipe } from '@nestjs/common';
import { HttpError } from '@tocsin/platform';

/** A path id that must be a UUID: 400 with the reason otherwise. */
export const UUID_PARAM = new ParseUUIDPipe({
  exceptionFactory: () => new HttpError(400, 'id must be a UUID'),
});
