import { all, query } from '../api';
import { LaneTimeline, Lines, StackedBars, bucketOf, dayBuckets } from '../charts';
import { SEVERITIES, type Deploy, type Incident, type Service } from '../types';
import { ErrorBox, Loading, Section, useLoad, useTitle } from '../ui';

const DAYS = 14;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The last DAYS days of incidents and deploys, read from the list routes (at most 2,000 of each). */
async function load(): Promise<{ incidents: Incident[]; deploys: Deploy[]; services: Service[] }> {
  const since = new Date(dayBuckets(DAYS).starts[0] ?? Date.now()).toISOString();
  const [incidents, deploys, services] = await Promise.all([
    all<Incident>(`/v1/incidents${query({ since })}`, 2000),
    all<Deploy>(`/v1/deploys${query({ since })}`, 2000),
    all<Service>('/v1/services', 500),
  ]);
  return { incidents, deploys, services };
}

export function OverviewPage() {
  useTitle('Overview');
  const data = useLoad(load, []);
  const { labels, starts } = dayBuckets(DAYS);

  if (data.error) return <ErrorBox error={data.error} what="Could not load the overview" />;
  if (!data.data) return <Loading what="the last two weeks" />;
  const { incidents, deploys, services } = data.data;

  const perDay = SEVERITIES.map((severity) => ({
    name: severity,
    className: `s-${severity}`,
    values: labels.map(() => 0),
  }));
  const ack: number[][] = labels.map(() => []);
  const resolve: number[][] = labels.map(() => []);
  for (const i of incidents) {
    const day = bucketOf(starts, i.openedAt);
    if (day < 0) continue;
    const series = perDay.find((s) => s.name === i.severity);
    if (series) series.values[day] = (series.values[day] ?? 0) + 1;
    const opened = new Date(i.openedAt).getTime();
    if (i.acknowledgedAt) ack[day]?.push((new Date(i.acknowledgedAt).getTime() - opened) / 60_000);
    if (i.resolvedAt) resolve[day]?.push((new Date(i.resolvedAt).getTime() - opened) / 60_000);
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

  const names = new Map(services.map((s) => [s.id, s.name] as const));
  const lanes = new Map<
    string,
    { name: string; marks: Parameters<typeof LaneTimeline>[0]['lanes'][number]['marks'] }
  >();
  const lane = (name: string) => {
    let l = lanes.get(name);
    if (!l) lanes.set(name, (l = { name, marks: [] }));
    return l;
  };
  for (const d of deploys) {
    lane((d.serviceId ? names.get(d.serviceId) : null) ?? d.service ?? 'unknown').marks.push({
      at: new Date(d.deployedAt).getTime(),
      kind: 'deploy',
      className: 'mark-deploy',
      label: `deploy ${d.deployNumber ?? ''}: ${d.description}`,
    });
  }
  for (const i of incidents) {
    const name = (i.serviceId ? names.get(i.serviceId) : null) ?? i.service;
    if (!name) continue;
    lane(name).marks.push({
      at: new Date(i.openedAt).getTime(),
      kind: 'incident',
      className: 'mark-incident',
      label: `#${i.number} ${i.title}`,
    });
  }

  return (
    <div>
      <h1>Overview</h1>
      <p className="muted">
        The last {DAYS} days (UTC days), from {incidents.length} incidents and {deploys.length} deploys.
      </p>
      <div className="charts">
        <Section title="Incidents opened per day" id="per-day">
          <StackedBars title="Incidents opened per day, by severity" labels={labels} series={perDay} />
        </Section>
        <Section title="Time to acknowledge and to resolve" id="times">
          <Lines
            title="Median minutes from opening, by the day it opened"
            unit=" min"
            labels={labels}
            series={[
              { name: 'to acknowledge', className: 's-ack', values: ack.map((v) => round(median(v))) },
              { name: 'to resolve', className: 's-resolve', values: resolve.map((v) => round(median(v))) },
            ]}
          />
        </Section>
      </div>
      <Section title="Deploys and incidents per service" id="lanes">
        {lanes.size === 0 ? (
          <p className="empty">No deploys and no incidents with a service in these days.</p>
        ) : (
          <LaneTimeline
            title="Deploys (bars) and incidents (dots), per service"
            from={starts[0] ?? Date.now()}
            to={Date.now()}
            lanes={[...lanes.values()].slice(0, 30)}
          />
        )}
      </Section>
    </div>
  );
}
