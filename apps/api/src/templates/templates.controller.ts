import { Controller, Get, Param } from '@nestjs/common';
import { findTemplate, TEMPLATES, type IntegrationTemplate } from '@tocsin/mapping';
import { HttpError } from '@tocsin/platform';

/** What a template offers a user: its mapping to start from and a sample payload for the dry run. */
export interface TemplateView {
  name: string;
  title: string;
  description: string;
  docsUrl: string;
  mapping: IntegrationTemplate['mapping'];
  sample: unknown;
}

const view = (t: IntegrationTemplate): TemplateView => ({
  name: t.name,
  title: t.title,
  description: t.description,
  docsUrl: t.docsUrl,
  mapping: t.mapping,
  sample: t.sample,
});

/** The built-in templates; the mapping library holds them, so the api answers without asking. */
@Controller('v1/templates')
export class TemplatesController {
  @Get()
  list(): { items: TemplateView[]; nextCursor: null } {
    return { items: TEMPLATES.map(view), nextCursor: null };
  }

  @Get(':name')
  get(@Param('name') name: string): TemplateView {
    const template = findTemplate(name);
    if (!template) throw new HttpError(404, `template ${name.slice(0, 100)} does not exist`);
    return view(template);
  }
}
