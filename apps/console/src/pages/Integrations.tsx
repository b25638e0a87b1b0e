import { useState, type FormEvent } from 'react';
import { all, get, post } from '../api';
import type { Integration, Page, Template } from '../types';
import {
  Badge,
  CopyButton,
  Empty,
  ErrorBox,
  Link,
  Loading,
  Section,
  Select,
  Time,
  useAction,
  useLoad,
  useTitle,
} from '../ui';

export function IntegrationsPage() {
  useTitle('Integrations');
  const integrations = useLoad(() => all<Integration>('/v1/integrations', 500), []);
  const templates = useLoad(() => get<Page<Template>>('/v1/templates'), []);
  const [created, setCreated] = useState<Integration | null>(null);

  return (
    <div>
      <h1>Integrations</h1>
      <p className="muted">
        Each integration has its own URL that a producer (CI, monitor, device) posts webhooks to, and a
        mapping that turns them into incidents.
      </p>
      {created ? (
        <div className="card callout" role="status">
          <h2>“{created.name}” is ready</h2>
          <p>Its URL holds its token, shown only now. Copy it into the producer’s webhook settings:</p>
          <p className="url-row">
            <code className="url" data-testid="new-url">
              {created.url}
            </code>
            <CopyButton text={created.url} label="Copy URL" />
          </p>
          <p>
            <Link to={`/integrations/${created.id}`}>Edit its mapping and try it →</Link>
          </p>
        </div>
      ) : null}
      <CreateIntegration
        templates={templates.data?.items ?? []}
        onCreated={(integration) => {
          setCreated(integration);
          integrations.setData((list) => [integration, ...(list ?? [])]);
        }}
      />
      <Section title="All integrations" id="all-integrations">
        <ErrorBox error={integrations.error} what="Could not load integrations" />
        {integrations.loading && !integrations.data ? <Loading what="integrations" /> : null}
        {integrations.data && integrations.data.length === 0 ? (
          <Empty>No integrations yet. Create one above, from a template that matches your producer.</Empty>
        ) : null}
        {integrations.data && integrations.data.length > 0 ? (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Template</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {integrations.data.map((i) => (
                <tr key={i.id}>
                  <td data-label="Name">
                    <Link to={`/integrations/${i.id}`}>{i.name}</Link>
                  </td>
                  <td data-label="Kind">{i.kind}</td>
                  <td data-label="Template">{i.template ?? 'custom'}</td>
                  <td data-label="State">
                    <Badge value={i.enabled ? 'enabled' : 'disabled'} />
                  </td>
                  <td data-label="Created">
                    <Time at={i.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
    </div>
  );
}

function CreateIntegration({
  templates,
  onCreated,
}: {
  templates: Template[];
  onCreated: (integration: Integration) => void;
}) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'alert' | 'deploy'>('alert');
  const [template, setTemplate] = useState('');
  const action = useAction();
  const chosen = templates.find((t) => t.name === template);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const integration = await post<Integration>('/v1/integrations', {
        name: name.trim(),
        kind,
        ...(template ? { template } : {}),
      });
      setName('');
      onCreated(integration);
    });
  };

  return (
    <Section title="New integration" id="new-integration">
      <form className="filters" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <Select
          label="Kind"
          value={kind}
          options={[
            { value: 'alert', label: 'alert (incidents)' },
            { value: 'deploy', label: 'deploy (deploy history)' },
          ]}
          onChange={(v) => setKind(v === 'deploy' ? 'deploy' : 'alert')}
        />
        <Select
          label="Template"
          value={template}
          any="none (generic)"
          options={templates.map((t) => ({ value: t.name, label: t.title }))}
          onChange={setTemplate}
        />
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <button type="submit" className="primary" disabled={action.busy || name.trim() === ''}>
            Create
          </button>
        </div>
      </form>
      {chosen ? (
        <p className="muted small">
          {chosen.description}{' '}
          <a href={chosen.docsUrl} rel="noreferrer noopener" target="_blank">
            Producer docs
          </a>
        </p>
      ) : null}
      <ErrorBox error={action.error} what="Could not create it" />
    </Section>
  );
}
