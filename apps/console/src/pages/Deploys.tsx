import { useState } from 'react';
import { all, get, query } from '../api';
import type { Deploy, Page, Service } from '../types';
import { Empty, ErrorBox, Loading, Select, Time, setSearch, useLoad, useLocation, useTitle } from '../ui';

export function DeploysPage() {
  useTitle('Deploys');
  const { search } = useLocation();
  const filters = {
    serviceId: search.get('serviceId') ?? '',
    environment: search.get('environment') ?? '',
    sha: search.get('sha') ?? '',
  };
  const [cursor, setCursor] = useState<string | null>(null);
  const services = useLoad(() => all<Service>('/v1/services', 500), []);
  const deploys = useLoad(
    () => get<Page<Deploy>>(`/v1/deploys${query({ ...filters, limit: 50, cursor })}`),
    [JSON.stringify(filters), cursor],
  );
  const [env, setEnv] = useState(filters.environment);
  const [sha, setSha] = useState(filters.sha);
  const apply = (change: Partial<typeof filters>) => {
    setCursor(null);
    setSearch({ ...filters, ...change });
  };

  return (
    <div>
      <h1>Deploys</h1>
      <form
        className="filters"
        aria-label="Filter deploys"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ environment: env.trim(), sha: sha.trim() });
        }}
      >
        <Select
          label="Service"
          value={filters.serviceId}
          any="any"
          options={(services.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          onChange={(serviceId) => apply({ serviceId })}
        />
        <label className="field">
          <span>Environment</span>
          <input value={env} placeholder="any" onChange={(e) => setEnv(e.target.value)} />
        </label>
        <label className="field">
          <span>Commit</span>
          <input
            value={sha}
            placeholder="sha prefix"
            pattern="[0-9a-fA-F]{4,40}"
            onChange={(e) => setSha(e.target.value)}
          />
        </label>
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <button type="submit">Apply</button>
        </div>
      </form>
      <ErrorBox error={deploys.error} what="Could not load deploys" />
      {deploys.loading && !deploys.data ? <Loading what="deploys" /> : null}
      {deploys.data && deploys.data.items.length === 0 ? (
        <Empty>No deploys match. Deploy integrations record them (POST /deploys/&lt;token&gt;).</Empty>
      ) : null}
      {deploys.data && deploys.data.items.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Service</th>
              <th scope="col">Env</th>
              <th scope="col">Number</th>
              <th scope="col">Description</th>
              <th scope="col">Deployer</th>
              <th scope="col">Commit</th>
              <th scope="col">Incidents after</th>
            </tr>
          </thead>
          <tbody>
            {deploys.data.items.map((d) => (
              <tr key={d.id}>
                <td data-label="When">
                  <Time at={d.deployedAt} />
                </td>
                <td data-label="Service">
                  {d.service ?? '—'}
                  {!d.serviceId ? <span className="muted small"> (no service)</span> : null}
                </td>
                <td data-label="Env">{d.environment ?? '—'}</td>
                <td data-label="Number">{d.deployNumber ?? '—'}</td>
                <td data-label="Description">
                  {d.deployUrl ? (
                    <a href={d.deployUrl} rel="noreferrer noopener" target="_blank">
                      {d.description}
                    </a>
                  ) : (
                    d.description
                  )}
                </td>
                <td data-label="Deployer">{d.deployer?.name ?? d.deployer?.email ?? '—'}</td>
                <td data-label="Commit">
                  <code>{d.commit?.sha?.slice(0, 10) ?? '—'}</code>
                </td>
                <td data-label="Incidents after" className={d.incidentCount > 0 ? 'warn' : undefined}>
                  {d.incidentCount}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="action-group">
        {cursor ? (
          <button type="button" onClick={() => setCursor(null)}>
            Newest
          </button>
        ) : null}
        {deploys.data?.nextCursor ? (
          <button type="button" onClick={() => setCursor(deploys.data?.nextCursor ?? null)}>
            Older deploys
          </button>
        ) : null}
      </div>
    </div>
  );
}
