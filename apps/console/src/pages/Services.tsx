import { useState } from 'react';
import { all, get, post, query } from '../api';
import { LaneTimeline, Lines } from '../charts';
import type { Deploy, Incident, Page, Service, ServiceMetrics, Suggestion } from '../types';
import { Empty, ErrorBox, Loading, Section, Time, duration, useAction, useLoad, useTitle } from '../ui';

const WEEKS = 8;
const WEEK = 7 * 86_400_000;

/** The service's figures for each of the last WEEKS weeks (one metrics call per week). */
async function weekly(serviceId: string): Promise<{ labels: string[]; metrics: ServiceMetrics[] }> {
  const now = Date.now();
  const weeks = Array.from({ length: WEEKS }, (_, i) => now - (WEEKS - i) * WEEK);
  const metrics = await Promise.all(
    weeks.map((start) =>
      get<ServiceMetrics>(
        `/v1/services/${serviceId}/metrics${query({
          since: new Date(start).toISOString(),
          until: new Date(start + WEEK).toISOString(),
        })}`,
      ),
    ),
  );
  return { labels: weeks.map((w) => new Date(w + WEEK).toISOString().slice(5, 10)), metrics };
}

export function ServicesPage() {
  useTitle('Services');
  const services = useLoad(() => all<Service>('/v1/services', 500), []);
  const metrics = useLoad(async () => {
    const list = await all<Service>('/v1/services', 100);
    const pairs = await Promise.all(
      list.map(
        async (s) =>
          [s.id, await get<ServiceMetrics>(`/v1/services/${s.id}/metrics`).catch(() => null)] as const,
      ),
    );
    return new Map(pairs);
  }, []);
  const suggestions = useLoad(
    () => get<Page<Suggestion>>('/v1/service-suggestions?status=open&limit=100'),
    [],
  );
  const [selected, setSelected] = useState<string | null>(null);
  const action = useAction();

  const decide = (s: Suggestion, verb: 'accept' | 'dismiss') =>
    action.run(async () => {
      await post(`/v1/service-suggestions/${s.id}/${verb}`, {});
      suggestions.reload();
      services.reload();
      metrics.reload();
    });

  return (
    <div>
      <h1>Services</h1>
      <Section title="Suggestions" id="suggestions">
        <p className="muted small">
          Names deploys used that no service has. Accept one to make it a service.
        </p>
        <ErrorBox error={suggestions.error ?? action.error} />
        {suggestions.data && suggestions.data.items.length === 0 ? <Empty>No open suggestions.</Empty> : null}
        {(suggestions.data?.items ?? []).length > 0 ? (
          <ul className="plain">
            {(suggestions.data?.items ?? []).map((s) => (
              <li key={s.id}>
                <strong>{s.alias}</strong>{' '}
                <span className="muted">
                  {s.deployCount} deploys, last <Time at={s.lastSeenAt} />
                </span>{' '}
                <button type="button" disabled={action.busy} onClick={() => void decide(s, 'accept')}>
                  Accept
                </button>{' '}
                <button type="button" disabled={action.busy} onClick={() => void decide(s, 'dismiss')}>
                  Dismiss
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      <Section title="Catalog (last 30 days)" id="catalog">
        <ErrorBox error={services.error} what="Could not load services" />
        {services.loading && !services.data ? <Loading what="services" /> : null}
        {services.data && services.data.length === 0 ? (
          <Empty>No services yet. Deploys name them; accept a suggestion or POST /v1/services.</Empty>
        ) : null}
        {services.data && services.data.length > 0 ? (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Aliases</th>
                <th scope="col">Deploys / day</th>
                <th scope="col">Change failure rate</th>
                <th scope="col">Time to restore</th>
                <th scope="col">
                  <span className="sr-only">Charts</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {services.data.map((s) => {
                const m = metrics.data?.get(s.id);
                return (
                  <tr key={s.id} aria-selected={selected === s.id}>
                    <td data-label="Service">
                      {s.name}
                      {s.description ? <div className="muted small">{s.description}</div> : null}
                    </td>
                    <td data-label="Aliases">{s.aliases.join(', ')}</td>
                    <td data-label="Deploys / day">{m ? m.deploysPerDay.toFixed(2) : '—'}</td>
                    <td data-label="Change failure rate">
                      {m?.changeFailureRate != null ? `${Math.round(m.changeFailureRate * 100)} %` : '—'}
                    </td>
                    <td data-label="Time to restore">{duration(m?.meanTimeToRestoreSeconds ?? null)}</td>
                    <td className="actions">
                      <button type="button" onClick={() => setSelected(selected === s.id ? null : s.id)}>
                        {selected === s.id ? 'Hide charts' : 'Charts'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </Section>
      {selected ? (
        <ServiceCharts service={(services.data ?? []).find((s) => s.id === selected) ?? null} id={selected} />
      ) : null}
    </div>
  );
}

function ServiceCharts({ service, id }: { service: Service | null; id: string }) {
  const data = useLoad(() => weekly(id), [id]);
  const since = new Date(Date.now() - 14 * 86_400_000).toISOString();
  const history = useLoad(async () => {
    const [deploys, incidents] = await Promise.all([
      all<Deploy>(`/v1/deploys${query({ serviceId: id, since })}`, 500),
      service
        ? all<Incident>(`/v1/incidents${query({ service: service.name, since })}`, 500)
        : Promise.resolve([]),
    ]);
    return { deploys, incidents };
  }, [id, service?.name]);
  const name = service?.name ?? 'service';
  return (
    <Section title={`${name}: the last ${WEEKS} weeks`} id="service-charts">
      <ErrorBox error={data.error} what="Could not load its metrics" />
      {data.loading && !data.data ? <Loading what="metrics" /> : null}
      {data.data ? (
        <div className="charts">
          <Lines
            title="Deployment frequency (deploys per day)"
            labels={data.data.labels}
            series={[
              {
                name: 'deploys/day',
                className: 's-deploy',
                values: data.data.metrics.map((m) => m.deploysPerDay),
              },
            ]}
          />
          <Lines
            title="Change failure rate (%)"
            unit="%"
            labels={data.data.labels}
            series={[
              {
                name: 'failed deploys',
                className: 's-critical',
                values: data.data.metrics.map((m) =>
                  m.changeFailureRate === null ? null : Math.round(m.changeFailureRate * 100),
                ),
              },
            ]}
          />
          <Lines
            title="Time to restore (hours, mean)"
            unit="h"
            labels={data.data.labels}
            series={[
              {
                name: 'time to restore',
                className: 's-resolve',
                values: data.data.metrics.map((m) =>
                  m.meanTimeToRestoreSeconds === null
                    ? null
                    : Number((m.meanTimeToRestoreSeconds / 3600).toFixed(2)),
                ),
              },
            ]}
          />
        </div>
      ) : null}
      {history.data ? (
        <LaneTimeline
          title="Deploys and incidents, last 14 days"
          from={Date.now() - 14 * 86_400_000}
          to={Date.now()}
          lanes={[
            {
              name,
              marks: [
                ...history.data.deploys.map((d) => ({
                  at: new Date(d.deployedAt).getTime(),
                  kind: 'deploy' as const,
                  className: 'mark-deploy',
                  label: `deploy ${d.deployNumber ?? ''} ${d.description}`,
                })),
                ...history.data.incidents.map((i) => ({
                  at: new Date(i.openedAt).getTime(),
                  kind: 'incident' as const,
                  className: 'mark-incident',
                  label: `#${i.number} ${i.title}`,
                })),
              ],
            },
          ]}
        />
      ) : null}
    </Section>
  );
}
