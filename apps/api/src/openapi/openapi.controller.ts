import { Controller, Get, Header } from '@nestjs/common';
import { ApiSettings } from '@tocsin/config';
import { HttpError } from '@tocsin/platform';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/roles.decorator';
import { docsPage, type OpenApiDocument } from './openapi-docs';

/** Where `node tools/build.mjs` writes the document: dist/apps/api/openapi.json, beside src/. */
export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

/**
 * The api's OpenAPI document and a reference page made from it. Both are public: they describe the
 * routes, never data. The document is built from the controllers' types by tools/openapi.cjs.
 * @tag reference
 */
@Controller()
@Public()
export class OpenApiController {
  private document?: OpenApiDocument;
  private page?: string;

  constructor(private readonly settings: ApiSettings) {}

  /**
   * The OpenAPI 3.1 document of every route of this api.
   */
  @Get('openapi.json')
  openapi(): OpenApiDocument {
    return this.load();
  }

  /**
   * A reference page of every route, its parameters, body, answer and role.
   * @produces text/html
   */
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  docs(): string {
    this.page ??= docsPage(this.load());
    return this.page;
  }

  private load(): OpenApiDocument {
    if (!this.document) {
      if (!existsSync(OPENAPI_FILE)) {
        throw new HttpError(503, 'the OpenAPI document was not built: run `node tools/build.mjs`');
      }
      const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
      this.document = { ...document, servers: [{ url: this.settings.TOCSIN_API_URL }] };
    }
    return this.document;
  }
}
