import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiSettings } from '@tocsin/config';
import { HealthController, HttpError } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { ApiKey, type ApiKeyRole } from './api-key.entity';
import { PUBLIC_KEY, ROLE_KEY, ROLE_ORDER } from './roles.decorator';

/** A request the guard let through, with the name and role of the key that made it. */
export type CallerRequest = FastifyRequest & { caller?: string; role?: ApiKeyRole };

/** How stale `last_used_at` may get before a request refreshes it (one write a minute per key). */
const LAST_USED_RESOLUTION_MS = 60_000;

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The least role a request needs: the route's `@Roles()`, else `read-only` to read and `admin` to change. */
export function requiredRole(marked: ApiKeyRole | undefined, method: string): ApiKeyRole {
  if (marked) return marked;
  return method === 'GET' || method === 'HEAD' ? 'read-only' : 'admin';
}

export function allows(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed);
}

/**
 * Applied to every route (APP_GUARD). Routes marked `@Public()` and the health routes take no key;
 * every other needs `Authorization: Bearer <key>`: the admin key from TOCSIN_ADMIN_KEY, or a key
 * whose hash is in api_keys and not revoked (so a revoked key stops working with the next
 * request). Keys are compared as hashes, the admin key in constant time. Then the key's role must
 * be at least the route's (see `requiredRole`), else 403 naming the role needed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly adminHash: Buffer;

  constructor(
    settings: ApiSettings,
    private readonly dataSource: DataSource,
    private readonly reflector: Reflector,
  ) {
    this.adminHash = sha256(settings.TOCSIN_ADMIN_KEY);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (context.getClass() === HealthController) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<CallerRequest>();
    const { caller, role } = await this.authenticate(request);
    request.caller = caller;
    request.role = role;
    const needed = requiredRole(
      this.reflector.getAllAndOverride<ApiKeyRole | undefined>(ROLE_KEY, targets),
      request.method,
    );
    if (!allows(role, needed)) {
      throw new HttpError(
        403,
        `${request.method} ${request.routeOptions.url ?? ''} needs the ${needed} role; this key has ${role}`,
      );
    }
    return true;
  }

  private async authenticate(request: FastifyRequest): Promise<{ caller: string; role: ApiKeyRole }> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match?.[1]) {
      throw new HttpError(401, 'send an api key as "Authorization: Bearer <key>"', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const presented = sha256(match[1]);
    if (timingSafeEqual(presented, this.adminHash)) return { caller: 'admin', role: 'admin' };
    const keys = this.dataSource.getRepository(ApiKey);
    const key = await keys.findOneBy({ keyHash: presented.toString('hex'), revokedAt: IsNull() });
    if (!key) {
      throw new HttpError(401, 'the api key is unknown or revoked', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await keys.update({ id: key.id }, { lastUsedAt: new Date() });
    }
    return { caller: key.name, role: key.role };
  }
}
