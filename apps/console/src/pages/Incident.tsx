import { useEffect } from 'react';
import { followIncidents, get } from '../api';
import type { IncidentDetail, Notification, Page } from '../types';
import { Badge, Empty, ErrorBox, Link, Loading, Section, Time, duration, useLoad, useTitle } from '../ui';
import { IncidentActions } from './Incidents';

export function IncidentPage({ id }: { id: string }) {
  const incident = useLoad(() => get<IncidentDetail>(`/v1/incidents/${encodeURIComponent(id)}`), [id]);
  const notifications = useLoad(
    () => get<Page<Notification>>(`/v1/incidents/${encodeURIComponent(id)}/notifications?limit=100`),
    [id],
  );
  useTitle(incident.data ? `#${incident.data.number} ${incident.data.title}` : 'Incident');

  // Any change to this incident (a new alert, an action elsewhere) reloads it.
  useEffect(
    () =>
      followIncidents(
        (event) => {
          if (event.incident.id !== id) return;
          incident.reload();
          notifications.reload();
        },
        () => undefined,
      ),
    [id, incident.reload, notifications.reload],
  );

  if (incident.error) {
    return (
      <div>
        <p>
          <Link to="/">← Incidents</Link>
        </p>
        <ErrorBox error={incident.error} what="Could not load the incident" />
      </div>
    );
  }
  const i = incident.data;
  if (!i) return <Loading what="the incident" />;
  const openFor = (new Date(i.resolvedAt ?? Date.now()).getTime() - new Date(i.openedAt).getTime()) / 1000;

  return (
    <div className="incident">
      <p>
        <Link to="/">← Incidents</Link>
      </p>
      <div className="title-row">
        <h1>
          <span className="muted">#{i.number}</span> {i.title || i.dedupKey}
        </h1>
      </div>
      <div className="facts">
        <Badge value={i.status} />
        <Badge value={i.severity} kind="severity" />
        <span>
          {i.alertCount} {i.alertCount === 1 ? 'alert' : 'alerts'}
        </span>
        <span>
          opened <Time at={i.openedAt} />
        </span>
        {i.acknowledgedAt ? (
          <span>
            acknowledged <Time at={i.acknowledgedAt} /> by {i.acknowledgedBy ?? '—'}
          </span>
        ) : null}
        {i.resolvedAt ? (
          <span>
            resolved <Time at={i.resolvedAt} /> by {i.resolvedBy ?? '—'}
          </span>
        ) : null}
        <span>
          {i.status === 'resolved' ? 'was open' : 'open for'} {duration(openFor)}
        </span>
        {i.service ? <span>service {i.service}</span> : null}
        <span>
          <Link to={`/integrations/${i.integrationId}`}>integration</Link>
        </span>
      </div>
      <IncidentActions incident={i} onChange={() => incident.reload()} />
      {i.description ? (
        <details className="card">
          <summary>Description</summary>
          <pre className="body">{i.description}</pre>
        </details>
      ) : null}

      <div className="grid">
        <Section title="Alerts" id="alerts">
          {i.alerts.length === 0 ? (
            <Empty>No alerts.</Empty>
          ) : (
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">Dedup key</th>
                  <th scope="col">State</th>
                  <th scope="col">Count</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {i.alerts.map((a) => (
                  <tr key={a.dedupKey}>
                    <td data-label="Dedup key">
                      <code>{a.dedupKey}</code>
                      {a.flapping ? <Badge value="flapping" /> : null}
                    </td>
                    <td data-label="State">
                      <Badge value={a.status} />
                    </td>
                    <td data-label="Count">{a.count}</td>
                    <td data-label="First seen">
                      <Time at={a.firstSeen} />
                    </td>
                    <td data-label="Last seen">
                      <Time at={a.lastSeen} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>

        <Section title="Timeline" id="timeline">
          {i.timeline.length === 0 ? (
            <Empty>Nothing yet.</Empty>
          ) : (
            <ol className="timeline">
              {i.timeline.map((t) => (
                <li key={t.id} className={`tl-${t.kind}`}>
                  <Time at={t.at} /> <strong>{t.change ?? t.kind}</strong>
                  {t.outcome ? <span className="muted"> ({t.outcome})</span> : null} by <code>{t.actor}</code>
                  {t.detail ? <div className="detail">{t.detail}</div> : null}
                </li>
              ))}
            </ol>
          )}
        </Section>

        <Section title="Pages sent" id="pages">
          <ErrorBox error={notifications.error} what="Could not load the pages" />
          {notifications.data && notifications.data.items.length === 0 ? (
            <Empty>No pages: the integration has no escalation policy, or nobody was due yet.</Empty>
          ) : null}
          {notifications.data && notifications.data.items.length > 0 ? (
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">Notice</th>
                  <th scope="col">Channel</th>
                  <th scope="col">To</th>
                  <th scope="col">Step</th>
                  <th scope="col">Delivery</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {notifications.data.items.map((n) => (
                  <tr key={n.id}>
                    <td data-label="Notice">{n.notice}</td>
                    <td data-label="Channel">{n.channel}</td>
                    <td data-label="To">{n.address}</td>
                    <td data-label="Step">{n.step === null ? '—' : n.step + 1}</td>
                    <td data-label="Delivery">
                      <Badge value={n.status} kind="delivery" />
                      {n.error ? <div className="error inline">{n.error}</div> : null}
                    </td>
                    <td data-label="Attempts">{n.attempts}</td>
                    <td data-label="When">
                      <Time at={n.sentAt ?? n.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </Section>

        <Section title="Inbound messages" id="inbound">
          {i.inbound.length === 0 ? (
            <Empty>No inbound messages touched it (or normalize did not answer).</Empty>
          ) : (
            <ul className="plain">
              {i.inbound.map((m) => (
                <li key={m.id}>
                  <Time at={m.receivedAt} /> <Badge value={m.outcome} kind="outcome" />{' '}
                  <Link to={`/integrations/${m.integrationId}?hook=${encodeURIComponent(m.id)}`}>
                    <code>{m.id}</code>
                  </Link>
                  {m.rule ? <span className="muted"> rule {m.rule}</span> : null}
                  {m.detail ? <div className="detail">{m.detail}</div> : null}
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section title="Suspect deploys" id="suspects">
          {i.suspectDeploysError ? <ErrorBox error={i.suspectDeploysError} /> : null}
          {i.suspectDeploys.length === 0 && !i.suspectDeploysError ? (
            <Empty>No deploy of its service came shortly before it.</Empty>
          ) : (
            <ul className="plain">
              {i.suspectDeploys.map((d) => (
                <li key={d.id}>
                  <strong>{d.service ?? '—'}</strong> {d.deployNumber ? `#${d.deployNumber}` : ''}{' '}
                  {d.description}{' '}
                  <span className="muted">
                    {duration(d.secondsBefore)} before · {d.deployer?.name ?? d.deployer?.email ?? 'unknown'}
                    {d.commit?.sha ? ` · ${d.commit.sha.slice(0, 10)}` : ''}
                  </span>
                  <div className="detail">{d.reason}</div>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}
