import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from './api-key.entity';

export const ROLE_KEY = 'tocsin:role';
export const PUBLIC_KEY = 'tocsin:public';

/** Roles from least to most: each may do what the ones before it may. */
export const ROLE_ORDER: readonly ApiKeyRole[] = ['read-only', 'responder', 'admin'];

/**
 * The least role a route needs. Without it a GET (or HEAD) needs `read-only` and anything else
 * needs `admin`; mark the routes a `responder` may use.
 */
export const Roles = (role: ApiKeyRole): MethodDecorator & ClassDecorator => SetMetadata(ROLE_KEY, role);

/** A route that takes no api key (it checks its own credential, or has none). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);
