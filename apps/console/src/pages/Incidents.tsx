import { useEffect, useMemo, useState } from 'react';
import { all, followIncidents, get, post, query, type StreamStatus } from '../api';
import { SEVERITIES, type Incident, type Integration, type Page } from '../types';
import {
  Badge,
  Empty,
  ErrorBox,
  Link,
  Loading,
  Select,
  Time,
  setSearch,
  useAction,
  useLoad,
  useLocation,
  useTitle,
} from '../ui';

const STATUS_FILTERS = [
  { value: 'open', label: 'open (triggered or acknowledged)' },
  { value: 'triggered', label: 'triggered' },
  { value: 'acknowledged', label: 'acknowledged' },
  { value: 'resolved', label: 'resolved' },
  { value: 'all', label: 'all' },
];

const STATUS_ORDER = { triggered: 0, acknowledged: 1, resolved: 2 } as const;

/** Open first (triggered before acknowledged), then newest first. */
export function byOpenFirst(a: Incident, b: Incident): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.openedAt.localeCompare(a.openedAt);
}

interface Filters {
  status: string;
  integrationId: string;
  service: string;
  severity: string;
}

function matches(incident: Incident, f: Filters): boolean {
  if (f.status === 'open' && incident.status === 'resolved') return false;
  if (f.status !== 'open' && f.status !== 'all' && incident.status !== f.status) return false;
  if (f.integrationId && incident.integrationId !== f.integrationId) return false;
  if (f.service && (incident.service ?? '').toLowerCase() !== f.service.toLowerCase()) return false;
  if (f.severity && incident.severity !== f.severity) return false;
  return true;
}

async function loadIncidents(f: Filters): Promise<Incident[]> {
  const base = { integrationId: f.integrationId, service: f.service };
  const statuses =
    f.status === 'open' ? ['triggered', 'acknowledged'] : f.status === 'all' ? [''] : [f.status];
  const pages = await Promise.all(
    statuses.map((status) => get<Page<Incident>>(`/v1/incidents${query({ ...base, status, limit: 200 })}`)),
  );
  return pages.flatMap((p) => p.items);
}

export function IncidentsPage() {
  useTitle('Incidents');
  const { search } = useLocation();
  const filters: Filters = {
    status: search.get('status') ?? 'open',
    integrationId: search.get('integrationId') ?? '',
    service: search.get('service') ?? '',
    severity: search.get('severity') ?? '',
  };
  const update = (change: Partial<Filters>) =>
    setSearch({ ...filters, ...change, status: change.status ?? filters.status });
  const key = JSON.stringify(filters);
  const incidents = useLoad(() => loadIncidents(filters), [key]);
  const integrations = useLoad(() => all<Integration>('/v1/integrations', 500), []);
  const [live, setLive] = useState<StreamStatus>('connecting');
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [serviceText, setServiceText] = useState(filters.service);

  useEffect(
    () =>
      followIncidents(
        (event) => {
          incidents.setData((list) => {
            const rest = (list ?? []).filter((i) => i.id !== event.incident.id);
            const known = (list ?? []).find((i) => i.id === event.incident.id);
            const merged: Incident = { ...known, ...event.incident };
            return matches(merged, filters) ? [merged, ...rest] : rest;
          });
          setFresh((s) => new Set(s).add(event.incident.id));
        },
        (status) => {
          setLive(status);
          // After a gap, read the list again: the stream does not replay what was missed.
          if (status === 'live') incidents.reload();
        },
      ),
    // Filters change the list's query; the stream is the same for every filter.
    [key],
  );

  const names = useMemo(
    () => new Map((integrations.data ?? []).map((i) => [i.id, i.name] as const)),
    [integrations.data],
  );
  const rows = useMemo(
    () => (incidents.data ?? []).filter((i) => matches(i, filters)).sort(byOpenFirst),
    [incidents.data, key],
  );

  return (
    <div>
      <div className="title-row">
        <h1>Incidents</h1>
        <span className={`live live-${live}`} role="status" aria-live="polite">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </div>
      <form className="filters" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Status"
          value={filters.status}
          options={STATUS_FILTERS}
          onChange={(status) => update({ status })}
        />
        <Select
          label="Integration"
          value={filters.integrationId}
          any="any"
          options={(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          onChange={(integrationId) => update({ integrationId })}
        />
        <label className="field">
          <span>Service</span>
          <input
            value={serviceText}
            placeholder="any"
            onChange={(e) => setServiceText(e.target.value)}
            onBlur={() => update({ service: serviceText.trim() })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') update({ service: serviceText.trim() });
            }}
          />
        </label>
        <Select
          label="Severity"
          value={filters.severity}
          any="any"
          options={SEVERITIES}
          onChange={(severity) => update({ severity })}
        />
      </form>
      <ErrorBox error={incidents.error} what="Could not load incidents" />
      {incidents.loading && !incidents.data ? <Loading what="incidents" /> : null}
      {incidents.data && rows.length === 0 ? (
        <Empty>
          {filters.status === 'open'
            ? 'Nothing is open. New incidents appear here as they open.'
            : 'No incidents match these filters.'}
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="list incidents">
          <caption className="sr-only">Incidents, open first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Incident</th>
              <th scope="col">Status</th>
              <th scope="col">Severity</th>
              <th scope="col">Service</th>
              <th scope="col">Integration</th>
              <th scope="col">Alerts</th>
              <th scope="col">Opened</th>
              <th scope="col">Who has it</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((incident) => (
              <IncidentRow
                key={incident.id}
                incident={incident}
                integration={names.get(incident.integrationId) ?? '—'}
                fresh={fresh.has(incident.id)}
                onChange={(next) =>
                  incidents.setData((list) =>
                    (list ?? []).map((i) => (i.id === next.id ? { ...i, ...next } : i)),
                  )
                }
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function IncidentRow({
  incident,
  integration,
  fresh,
  onChange,
}: {
  incident: Incident;
  integration: string;
  fresh: boolean;
  onChange: (incident: Incident) => void;
}) {
  return (
    <tr className={fresh ? 'fresh' : undefined} data-incident={incident.id}>
      <td data-label="#">{incident.number}</td>
      <td data-label="Incident">
        <Link to={`/incidents/${incident.id}`}>{incident.title || incident.dedupKey}</Link>
      </td>
      <td data-label="Status">
        <Badge value={incident.status} />
      </td>
      <td data-label="Severity">
        <Badge value={incident.severity} kind="severity" />
      </td>
      <td data-label="Service">{incident.service ?? '—'}</td>
      <td data-label="Integration">{integration}</td>
      <td data-label="Alerts">{incident.alertCount}</td>
      <td data-label="Opened">
        <Time at={incident.openedAt} />
      </td>
      <td data-label="Who has it">
        {incident.acknowledgedBy ?? (incident.status === 'resolved' ? '—' : 'nobody yet')}
      </td>
      <td className="actions">
        <IncidentActions incident={incident} onChange={onChange} compact />
      </td>
    </tr>
  );
}

/** Acknowledge, resolve and note: one click each (a note asks for its text first). */
export function IncidentActions({
  incident,
  onChange,
  compact = false,
}: {
  incident: Incident;
  onChange: (incident: Incident) => void;
  compact?: boolean;
}) {
  const action = useAction();
  const [noting, setNoting] = useState(false);
  const [text, setText] = useState('');
  const label = `#${incident.number}`;
  const act = (verb: 'acknowledge' | 'resolve') =>
    action.run(async () => onChange(await post<Incident>(`/v1/incidents/${incident.id}/${verb}`)));
  return (
    <div className="action-group">
      {incident.status === 'triggered' ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void act('acknowledge')}
          aria-label={`Acknowledge ${label}`}
        >
          Acknowledge
        </button>
      ) : null}
      {incident.status !== 'resolved' ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void act('resolve')}
          aria-label={`Resolve ${label}`}
        >
          Resolve
        </button>
      ) : null}
      {noting ? (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              onChange(await post<Incident>(`/v1/incidents/${incident.id}/notes`, { text }));
              setText('');
              setNoting(false);
            });
          }}
        >
          <label className="sr-only" htmlFor={`note-${incident.id}`}>
            Note on {label}
          </label>
          <input
            id={`note-${incident.id}`}
            value={text}
            autoFocus
            required
            maxLength={10_000}
            placeholder="What do you know?"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setNoting(false);
            }}
          />
          <button type="submit" disabled={action.busy || text.trim() === ''}>
            Add note
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => setNoting(true)} aria-label={`Add a note to ${label}`}>
          {compact ? 'Note' : 'Add a note'}
        </button>
      )}
      {action.error ? (
        <span className="error inline" role="alert">
          {action.error}
        </span>
      ) : null}
    </div>
  );
}
