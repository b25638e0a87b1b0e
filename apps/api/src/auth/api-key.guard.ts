import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiSettings } from '@tocsin/config';
import { HttpError } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { ApiKey } from './api-key.entity';

/** A request the guard let through, with the name of the key that made it. */
export type CallerRequest = FastifyRequest & { caller?: string };

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Every /v1 route needs `Authorization: Bearer <key>`: the admin key from TOCSIN_ADMIN_KEY, or a
 * key whose hash is in api_keys and not revoked. Keys are compared as hashes in constant time.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly adminHash: Buffer;

  constructor(
    settings: ApiSettings,
    private readonly dataSource: DataSource,
  ) {
    this.adminHash = sha256(settings.TOCSIN_ADMIN_KEY);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match?.[1]) {
      throw new HttpError(401, 'send an api key as "Authorization: Bearer <key>"', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const presented = sha256(match[1]);
    if (timingSafeEqual(presented, this.adminHash)) {
      (request as CallerRequest).caller = 'admin';
      return true;
    }
    const key = await this.dataSource
      .getRepository(ApiKey)
      .findOneBy({ keyHash: presented.toString('hex'), revokedAt: IsNull() });
    if (key) {
      (request as CallerRequest).caller = key.name;
      return true;
    }
    throw new HttpError(401, 'the api key is unknown or revoked', undefined, {
      'WWW-Authenticate': 'Bearer',
    });
  }
}
