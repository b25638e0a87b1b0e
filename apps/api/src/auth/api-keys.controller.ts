import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { HttpError } from '@tocsin/platform';
import { Transform } from 'class-transformer';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';
import { ApiKey, type ApiKeyRole } from './api-key.entity';
import { sha256 } from './api-key.guard';
import { ROLE_ORDER, Roles } from './roles.decorator';

export class ApiKeyBody {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'name must not contain control characters' })
  @Matches(/^(?!admin$)/i, { message: 'name "admin" is the TOCSIN_ADMIN_KEY' })
  name: string;

  @IsIn(ROLE_ORDER, { message: `role must be one of ${ROLE_ORDER.join(', ')}` })
  role: ApiKeyRole;
}

/** A key as listed: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyRole;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Api keys, managed by admins. A key is `tck_` and 256 random bits (base64url), shown once in the
 * 201; only its sha256 is stored. Revoking keeps the row (name, role, times) for the record.
 */
@Controller('v1/api-keys')
@Roles('admin')
export class ApiKeysController {
  constructor(private readonly dataSource: DataSource) {}

  @Post()
  async create(@Body() body: ApiKeyBody): Promise<ApiKeyView & { key: string }> {
    const key = `tck_${randomBytes(32).toString('base64url')}`;
    const row = this.dataSource.getRepository(ApiKey).create({
      id: randomUUID(),
      name: body.name,
      role: body.role,
      keyHash: sha256(key).toString('hex'),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    const saved = await this.dataSource.getRepository(ApiKey).save(row);
    return { ...view(saved), key };
  }

  /** Every key, newest first, revoked ones included. */
  @Get()
  async list(): Promise<{ items: ApiKeyView[] }> {
    const keys = await this.dataSource
      .getRepository(ApiKey)
      .find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return { items: keys.map(view) };
  }

  /** Revokes the key: it stops working with the next request. Revoking it again changes nothing. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', UUID_PARAM) id: string): Promise<void> {
    const keys = this.dataSource.getRepository(ApiKey);
    const key = await keys.findOneBy({ id });
    if (!key) throw new HttpError(404, `no api key ${id}`);
    if (!key.revokedAt) await keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
