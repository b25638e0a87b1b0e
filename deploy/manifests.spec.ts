// Checks the packaging against the code: the Kubernetes manifests in deploy/, docker-compose.yml and
// the Dockerfile. The settings each app must receive come from its settings class in @tocsin/config,
// never from a list kept here, so renaming or adding a setting fails this test until the manifests
// follow. Failures are lists of sentences that name the app, the file and the setting.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import {
  APP_NAMES,
  SETTINGS_BY_APP,
  SettingsError,
  loadSettings,
  settingNames,
  type AppName,
  type SettingsClass,
} from '@tocsin/config';

const ROOT = join(__dirname, '..');
const DEPLOY = __dirname;

// ---------------------------------------------------------------------------------------------
// The shapes read here (only the fields this test looks at).

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface Resource {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: unknown;
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}
interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}
interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string; configMap?: { name: string } }[];
}
interface WorkloadSpec {
  replicas?: number;
  serviceName?: string;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}
interface ServiceSpec {
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  selector?: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string }[];
}
interface HpaSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
}
type ComposeEnv = Record<string, string | number | boolean | null> | string[];
interface ComposeService {
  image?: string;
  command?: string | string[];
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  environment?: ComposeEnv;
  ports?: (string | number | { target: number; published?: number | string })[];
  volumes?: (string | { target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface Compose {
  services: Record<string, ComposeService>;
}

// ---------------------------------------------------------------------------------------------
// Loading.

/** The YAML files under deploy/, as paths relative to it with forward slashes. */
function yamlFiles(dir = DEPLOY): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [relative(DEPLOY, path).split('\\').join('/')] : [];
    })
    .sort();
}

const parseErrors: string[] = [];
const kustomizations: { file: string; value: Kustomization }[] = [];
const resources: Resource[] = [];
const malformed: string[] = [];

for (const file of yamlFiles()) {
  const docs = parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'), { merge: true });
  if (!Array.isArray(docs)) {
    parseErrors.push(`deploy/${file}: not a YAML stream`);
    continue;
  }
  docs.forEach((doc, index) => {
    for (const error of [...doc.errors, ...doc.warnings])
      parseErrors.push(`deploy/${file}: ${error.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    const where = `deploy/${file} (document ${index + 1})`;
    if (typeof value !== 'object' || Array.isArray(value)) {
      malformed.push(`${where}: not a mapping`);
      return;
    }
    const object = value as Record<string, unknown>;
    const metadata = object['metadata'] as Record<string, unknown> | undefined;
    const missing = [
      typeof object['apiVersion'] === 'string' ? null : 'apiVersion',
      typeof object['kind'] === 'string' ? null : 'kind',
      typeof metadata?.['name'] === 'string' ? null : 'metadata.name',
    ].filter((name): name is string => name !== null);
    if (missing.length > 0) {
      malformed.push(`${where}: no ${missing.join(', ')}`);
      return;
    }
    if (object['kind'] === 'Kustomization') kustomizations.push({ file, value: object });
    else resources.push({ ...(object as Omit<Resource, 'file'>), file });
  });
}

const composeDoc = parseDocument(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const compose = (composeDoc.toJS() ?? { services: {} }) as Compose;

function find(kind: string, name: string): Resource | undefined {
  return resources.find((r) => r.kind === kind && r.metadata.name === name);
}
function ofKind(kind: string): Resource[] {
  return resources.filter((r) => r.kind === kind);
}
function spec<T>(resource: Resource): T {
  return resource.spec as T;
}
function keys(resource: Resource | undefined): string[] {
  return resource ? [...Object.keys(resource.data ?? {}), ...Object.keys(resource.stringData ?? {})] : [];
}
function values(resource: Resource): Record<string, string> {
  const entries = Object.entries({ ...(resource.data ?? {}), ...(resource.stringData ?? {}) });
  return Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
}
function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

// ---------------------------------------------------------------------------------------------
// What the code says.

const settingsOf = (app: AppName): SettingsClass<object> => SETTINGS_BY_APP[app];
const READ_BY: Record<string, AppName[]> = {};
for (const app of APP_NAMES)
  for (const name of settingNames(settingsOf(app))) (READ_BY[name] ??= []).push(app);
const ALL_SETTINGS = new Set(Object.keys(READ_BY));

/** Problems loadSettings reports for an environment, each with the setting it names. */
function problemsFor(app: AppName, env: Record<string, string>): [name: string, problem: string][] {
  const names = settingNames(settingsOf(app));
  try {
    loadSettings(settingsOf(app), env);
    return [];
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.problems.map((problem) => [
      names.find((n) => problem === `${n} is required` || problem.startsWith(`${n} `)) ?? '?',
      problem,
    ]);
  }
}

/** Settings with no default that the app also runs without (SMTP_URL, …): the optional ones. */
function optionalSettings(app: AppName): string[] {
  const defaults = new (settingsOf(app))() as Record<string, unknown>;
  const required = problemsFor(app, {}).map(([name]) => name);
  return settingNames(settingsOf(app)).filter((n) => defaults[n] === undefined && !required.includes(n));
}

/** The setting that names the app's HTTP port (INGEST_PORT, …), and its default. */
function portSetting(app: AppName): { name: string; fallback: number } {
  const names = settingNames(settingsOf(app)).filter((n) => n.endsWith('_PORT'));
  if (names.length !== 1)
    throw new Error(`${app} reads ${names.length} *_PORT settings: ${names.join(', ')}`);
  const name = names[0];
  const fallback = (new (settingsOf(app))() as Record<string, unknown>)[name];
  if (typeof fallback !== 'number') throw new Error(`${app}: ${name} has no numeric default`);
  return { name, fallback };
}

// ---------------------------------------------------------------------------------------------
// What each app receives.

interface Received {
  /** Known value, or undefined when it comes from a Secret or the pod (placeholders, field refs). */
  value: string | undefined;
  from: string;
}

function k8sContainer(app: AppName): Container | undefined {
  const deployment = find('Deployment', app);
  return deployment ? spec<WorkloadSpec>(deployment).template.spec.containers[0] : undefined;
}

function k8sEnvironment(app: AppName): { env: Map<string, Received>; problems: string[] } {
  const env = new Map<string, Received>();
  const problems: string[] = [];
  const container = k8sContainer(app);
  if (!container) return { env, problems: [`${app}: no Deployment`] };
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    if (!ref) continue;
    const object = find(kind, ref.name);
    if (!object) {
      if (!ref.optional)
        problems.push(`${app}: envFrom names ${kind} ${ref.name}, which deploy/ does not define`);
      continue;
    }
    const known = kind === 'ConfigMap' ? values(object) : {};
    for (const key of keys(object)) env.set(prefix + key, { value: known[key], from: `${kind} ${ref.name}` });
  }
  for (const entry of container.env ?? []) {
    const secret = entry.valueFrom?.secretKeyRef;
    const config = entry.valueFrom?.configMapKeyRef;
    if (secret || config) {
      const ref = (secret ?? config) as KeyRef;
      const kind = secret ? 'Secret' : 'ConfigMap';
      const object = find(kind, ref.name);
      if (!object || !keys(object).includes(ref.key)) {
        if (!ref.optional)
          problems.push(
            `${app}: env ${entry.name} reads ${kind} ${ref.name} key ${ref.key}, which deploy/ does not define`,
          );
        if (!object || !ref.optional) continue;
      }
      const value = object && !secret ? values(object)[ref.key] : undefined;
      env.set(entry.name, { value, from: `${kind} ${ref.name} key ${ref.key}` });
    } else {
      // A literal value; fieldRef and resourceFieldRef are only known in the pod.
      env.set(entry.name, { value: entry.valueFrom ? undefined : entry.value, from: 'env' });
    }
  }
  return { env, problems };
}

// Compose: "${NAME:-default}" and friends, as `docker compose` interpolates them.
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

function composeEnvironment(service: ComposeService | undefined): Map<string, Received> {
  const env = new Map<string, Received>();
  const raw = service?.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, null] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(raw);
  for (const [name, value] of entries) {
    if (value === null || value === undefined) {
      env.set(name, { value: undefined, from: 'the shell' }); // passed through from the host
      continue;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    let fromOperator = false;
    const resolved = text
      .replace(
        INTERPOLATION,
        (_all, _name: string, operator: string | undefined, fallback: string | undefined) => {
          if (operator === '-' || operator === ':-') {
            if (text.trim().startsWith('${') && (fallback ?? '') === '') fromOperator = true;
            return fallback ?? '';
          }
          fromOperator = true;
          return '';
        },
      )
      .replace(/\$\$/g, '$');
    env.set(name, { value: fromOperator && resolved === '' ? undefined : resolved, from: 'environment' });
  }
  return env;
}

/** Missing settings, and names no app reads, as sentences. */
function coverage(app: AppName, where: string, env: Map<string, Received>, mayOmit: string[]): string[] {
  const problems: string[] = [];
  for (const name of settingNames(settingsOf(app))) {
    if (!env.has(name) && !mayOmit.includes(name))
      problems.push(`${app} (${where}) does not receive ${name}, which it reads`);
  }
  for (const [name, { from }] of env) {
    if (!ALL_SETTINGS.has(name))
      problems.push(`${app} (${where}) receives ${name} (from ${from}), which no app reads`);
  }
  return problems;
}

/** Values that the app's settings class would reject at start. */
function invalidValues(app: AppName, where: string, env: Map<string, Received>): string[] {
  const known: Record<string, string> = {};
  for (const [name, { value }] of env) if (value !== undefined && ALL_SETTINGS.has(name)) known[name] = value;
  // A value known only at run time (a Secret's, or one the operator must supply) is not judged here.
  const unknown = (name: string): boolean => env.has(name) && env.get(name)?.value === undefined;
  return problemsFor(app, known)
    .filter(([name]) => !unknown(name))
    .map(([name, problem]) => `${app} (${where}): ${problem.startsWith(name) ? '' : `${name}: `}${problem}`);
}

function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function effectivePort(app: AppName, env: Map<string, Received>): number {
  const { name, fallback } = portSetting(app);
  const value = env.get(name)?.value;
  return value !== undefined && value !== '' ? Number(value) : fallback;
}

// ---------------------------------------------------------------------------------------------

describe('deploy/ (Kubernetes, kustomize)', () => {
  it('parses every YAML file', () => {
    expect(parseErrors).toEqual([]);
  });

  it('has apiVersion, kind and metadata.name in every document', () => {
    expect(malformed).toEqual([]);
    expect(resources.length).toBeGreaterThan(0);
  });

  it('defines no object twice', () => {
    const seen = resources.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(seen.filter((id, i) => seen.indexOf(id) !== i)).toEqual([]);
  });

  it('lists every manifest in kustomization.yaml, and only existing ones', () => {
    expect(kustomizations.map((k) => k.file)).toEqual(['kustomization.yaml']);
    const listed = (kustomizations[0]?.value.resources ?? []).map((r) => posix.normalize(r));
    const files = yamlFiles().filter((f) => f !== 'kustomization.yaml');
    expect({
      missing: files.filter((f) => !listed.includes(f)),
      notAFile: listed.filter((f) => !files.includes(f)),
    }).toEqual({
      missing: [],
      notAFile: [],
    });
    expect(listed.filter((f, i) => listed.indexOf(f) !== i)).toEqual([]);
  });

  it('puts everything in the tocsin namespace', () => {
    expect(kustomizations[0]?.value.namespace).toBe('tocsin');
    expect(find('Namespace', 'tocsin')).toBeDefined();
    const elsewhere = resources.filter(
      (r) => r.metadata.namespace !== undefined && r.metadata.namespace !== 'tocsin',
    );
    expect(
      elsewhere.map((r) => `${r.file}: ${r.kind} ${r.metadata.name} in ${r.metadata.namespace}`),
    ).toEqual([]);
  });

  it('runs only the apps of @tocsin/config as Deployments', () => {
    expect(
      ofKind('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([...APP_NAMES].sort());
  });

  describe.each(APP_NAMES)('%s', (app) => {
    const deployment = find('Deployment', app);
    const service = find('Service', app);
    const file = deployment ? `deploy/${deployment.file}` : `deploy/ (${app})`;

    it('has a Deployment and a Service that selects its pods', () => {
      expect(deployment).toBeDefined();
      expect(service).toBeDefined();
      if (!deployment || !service) return;
      const workload = spec<WorkloadSpec>(deployment);
      expect(selects(workload.selector.matchLabels, workload.template.metadata.labels)).toBe(true);
      expect(selects(spec<ServiceSpec>(service).selector, workload.template.metadata.labels)).toBe(true);
      expect(workload.template.spec.containers).toHaveLength(1);
    });

    it('receives every setting it reads, and none that no app reads', () => {
      const { env, problems } = k8sEnvironment(app);
      // In Kubernetes the optional secrets are wired too (from tocsin-secrets), so nothing may be omitted.
      expect([...problems, ...coverage(app, file, env, [])]).toEqual([]);
    });

    it('is configured with values its settings class accepts', () => {
      expect(invalidValues(app, file, k8sEnvironment(app).env)).toEqual([]);
    });

    it("listens, is probed and is reached on the app's port", () => {
      const container = k8sContainer(app);
      if (!container || !service) throw new Error(`${app}: no Deployment or Service in deploy/`);
      const port = effectivePort(app, k8sEnvironment(app).env);
      const problems: string[] = [];
      if (!container.ports?.some((p) => p.containerPort === port))
        problems.push(`${app}: no containerPort ${port}`);
      const probes = { livenessProbe: '/healthz', readinessProbe: '/readyz', startupProbe: undefined };
      for (const [probe, path] of Object.entries(probes) as [keyof typeof probes, string | undefined][]) {
        const get = container[probe]?.httpGet;
        if (!get) {
          if (probe !== 'startupProbe') problems.push(`${app}: ${probe} is not an httpGet probe`);
          continue;
        }
        if (path !== undefined && get.path !== path)
          problems.push(`${app}: ${probe} asks ${get.path}, not ${path}`);
        if (resolvePort(container, get.port) !== port)
          problems.push(`${app}: ${probe} asks port ${get.port}, not ${port}`);
      }
      const targets = spec<ServiceSpec>(service).ports.map((p) =>
        resolvePort(container, p.targetPort ?? p.port),
      );
      if (!targets.includes(port)) problems.push(`${app}: Service ${app} does not forward to port ${port}`);
      const annotated =
        deployment && spec<WorkloadSpec>(deployment).template.metadata.annotations?.['prometheus.io/port'];
      if (annotated !== undefined && Number(annotated) !== port)
        problems.push(`${app}: prometheus.io/port is ${annotated}`);
      expect(problems).toEqual([]);
    });

    it('runs its own image as non-root, with resources and time to drain', () => {
      const workload = deployment ? spec<WorkloadSpec>(deployment) : undefined;
      const container = k8sContainer(app);
      if (!workload || !container) throw new Error(`${app}: no Deployment in deploy/`);
      expect(container.image).toMatch(new RegExp(`(^|/)tocsin/${app}(:|@|$)`));
      expect(workload.template.spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(30);
      expect(
        container.securityContext?.runAsNonRoot ?? workload.template.spec.securityContext?.runAsNonRoot,
      ).toBe(true);
      // The image says `USER node`; runAsNonRoot can only verify a numeric user.
      expect(
        container.securityContext?.runAsUser ?? workload.template.spec.securityContext?.runAsUser,
      ).toBeGreaterThan(0);
      for (const side of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[side] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    });

    it('sets its replica count in one place: the Deployment, or its HorizontalPodAutoscaler', () => {
      const scaled = ofKind('HorizontalPodAutoscaler').some(
        (h) =>
          spec<HpaSpec>(h).scaleTargetRef.kind === 'Deployment' &&
          spec<HpaSpec>(h).scaleTargetRef.name === app,
      );
      const replicas = deployment ? spec<WorkloadSpec>(deployment).replicas : undefined;
      // With both, every `kubectl apply` resets the count the autoscaler chose.
      expect({ app, autoscaled: scaled, replicasField: replicas !== undefined }).toEqual({
        app,
        autoscaled: scaled,
        replicasField: !scaled,
      });
      if (replicas !== undefined) expect(replicas).toBeGreaterThanOrEqual(1);
    });
  });

  it('autoscales ingest, normalize and incident-state, each onto an existing Deployment', () => {
    const hpas = ofKind('HorizontalPodAutoscaler');
    const targets = hpas.map((h) => spec<HpaSpec>(h).scaleTargetRef.name).sort();
    expect(targets).toEqual(expect.arrayContaining(['incident-state', 'ingest', 'normalize']));
    const problems: string[] = [];
    for (const hpa of hpas) {
      const { scaleTargetRef: ref, minReplicas = 1, maxReplicas } = spec<HpaSpec>(hpa);
      if (hpa.apiVersion !== 'autoscaling/v2')
        problems.push(`${hpa.metadata.name}: apiVersion ${hpa.apiVersion}`);
      if (ref.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1' || !find('Deployment', ref.name)) {
        problems.push(
          `${hpa.metadata.name}: targets ${ref.apiVersion} ${ref.kind} ${ref.name}, which deploy/ does not define`,
        );
      }
      if (!(minReplicas >= 1 && maxReplicas >= minReplicas))
        problems.push(`${hpa.metadata.name}: ${minReplicas}..${maxReplicas}`);
    }
    expect(problems).toEqual([]);
  });

  describe('settings', () => {
    const config = find('ConfigMap', 'tocsin-config');
    const secrets = find('Secret', 'tocsin-secrets');

    it('has the ConfigMap tocsin-config and the Secret tocsin-secrets, with no key in both', () => {
      expect(config).toBeDefined();
      expect(secrets).toBeDefined();
      expect(keys(config).filter((k) => keys(secrets).includes(k))).toEqual([]);
    });

    it('keeps the credentials in the Secret', () => {
      expect(keys(secrets).sort()).toEqual(
        expect.arrayContaining([
          'DATABASE_URL',
          'SMTP_URL',
          'TOCSIN_ADMIN_KEY',
          'TWILIO_AUTH_TOKEN',
          'VAPID_PRIVATE_KEY',
        ]),
      );
    });

    it('has no key that no app reads, and hands every secret to an app that reads it', () => {
      const problems: string[] = [];
      for (const key of [...keys(config), ...keys(secrets)]) {
        if (!ALL_SETTINGS.has(key)) problems.push(`key ${key} is read by no app (a typo?)`);
      }
      for (const key of keys(secrets)) {
        const receivers = APP_NAMES.filter((app) => k8sEnvironment(app).env.has(key));
        const readers = READ_BY[key] ?? [];
        for (const app of readers.filter((a) => !receivers.includes(a)))
          problems.push(`${app} does not get secret ${key}`);
        for (const app of receivers.filter((a) => !readers.includes(a)))
          problems.push(`${app} gets secret ${key} it does not read`);
      }
      expect(problems).toEqual([]);
    });

    it('points NATS_URL and DATABASE_URL at Services that exist', () => {
      const urls = { ...(config ? values(config) : {}), ...(secrets ? values(secrets) : {}) };
      const problems: string[] = [];
      for (const name of ['NATS_URL', 'DATABASE_URL']) {
        for (const url of (urls[name] ?? '').split(',').filter(Boolean)) {
          const { hostname, port } = new URL(url);
          const target = find('Service', hostname.split('.')[0] ?? '');
          if (!target || !spec<ServiceSpec>(target).ports.some((p) => String(p.port) === port)) {
            problems.push(`${name} ${url}: no Service ${hostname} with port ${port}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('NATS', () => {
    const nats = ofKind('StatefulSet').find((s) =>
      spec<WorkloadSpec>(s).template.spec.containers.some((c) => /^nats:/.test(c.image)),
    );
    const workload = nats ? spec<WorkloadSpec>(nats) : undefined;
    const container = workload?.template.spec.containers.find((c) => /^nats:/.test(c.image));

    function natsConf(): string {
      if (!workload || !container) throw new Error('no NATS StatefulSet in deploy/');
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      const path = argv[argv.findIndex((a) => a === '--config' || a === '-c') + 1];
      const mount = container.volumeMounts?.find((m) => path?.startsWith(`${m.mountPath}/`));
      const volume = workload.template.spec.volumes?.find((v) => v.name === mount?.name);
      const map = volume?.configMap ? find('ConfigMap', volume.configMap.name) : undefined;
      const conf = map && path && mount ? values(map)[path.slice(mount.mountPath.length + 1)] : undefined;
      if (conf === undefined)
        throw new Error(`the NATS config ${path ?? '(no --config)'} is not in a mounted ConfigMap`);
      return conf;
    }

    it('is a 3-replica StatefulSet of nats:2.10-alpine with a volume per server', () => {
      expect(workload?.replicas).toBe(3);
      expect(container?.image).toBe('nats:2.10-alpine');
      expect(workload?.volumeClaimTemplates?.length).toBeGreaterThan(0);
      expect(container?.ports?.map((p) => p.containerPort).sort()).toEqual([4222, 6222, 8222]);
    });

    it('runs JetStream, storing on the claimed volume', () => {
      const store = /jetstream\s*:?\s*\{[^}]*\bstore_dir\s*[:=]\s*"?([^\s"]+)/.exec(natsConf())?.[1];
      const claimed = new Set(workload?.volumeClaimTemplates?.map((t) => t.metadata.name));
      const mounts =
        container?.volumeMounts?.filter((m) => claimed.has(m.name)).map((m) => m.mountPath) ?? [];
      expect(store).toBeDefined();
      expect(mounts.some((m) => store === m || store?.startsWith(`${m}/`))).toBe(true);
    });

    it('routes the cluster to every pod through the headless Service', () => {
      const headless = workload?.serviceName ? find('Service', workload.serviceName) : undefined;
      expect(headless && spec<ServiceSpec>(headless).clusterIP).toBe('None');
      expect(headless && spec<ServiceSpec>(headless).publishNotReadyAddresses).toBe(true);
      const routes = /cluster\s*:?\s*\{[\s\S]*?routes\s*[:=]?\s*\[([^\]]*)\]/.exec(natsConf())?.[1] ?? '';
      const hosts = [...routes.matchAll(/nats:\/\/([^\s,:]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`).sort();
      const expected = Array.from(
        { length: workload?.replicas ?? 0 },
        (_, i) => `${nats?.metadata.name}-${i}.${workload?.serviceName}:6222`,
      );
      expect(hosts).toEqual(expected);
    });

    it('holds as many servers as the streams have replicas (TOCSIN_STREAM_REPLICAS)', () => {
      const config = find('ConfigMap', 'tocsin-config');
      expect(Number(config && values(config)['TOCSIN_STREAM_REPLICAS'])).toBe(workload?.replicas);
    });
  });

  describe('PostgreSQL', () => {
    const postgres = ofKind('StatefulSet').find((s) =>
      spec<WorkloadSpec>(s).template.spec.containers.some((c) => /^postgres:/.test(c.image)),
    );

    it('is a 1-replica StatefulSet with a volume and a Service', () => {
      const workload = postgres ? spec<WorkloadSpec>(postgres) : undefined;
      expect(workload?.replicas).toBe(1);
      expect(workload?.volumeClaimTemplates?.length).toBeGreaterThan(0);
      const services = ofKind('Service').filter(
        (s) => workload && selects(spec<ServiceSpec>(s).selector, workload.template.metadata.labels),
      );
      expect(services.length).toBeGreaterThan(0);
    });

    it('creates the database that DATABASE_URL names', () => {
      const secrets = find('Secret', 'tocsin-secrets');
      const url = new URL(secrets ? (values(secrets)['DATABASE_URL'] ?? '') : '');
      const env = postgres ? (spec<WorkloadSpec>(postgres).template.spec.containers[0]?.env ?? []) : [];
      const value = (name: string): string | undefined => env.find((e) => e.name === name)?.value;
      expect(url.pathname.slice(1)).toBe(value('POSTGRES_DB') ?? value('POSTGRES_USER') ?? 'postgres');
      expect(decodeURIComponent(url.username)).toBe(value('POSTGRES_USER') ?? 'postgres');
    });
  });
});

describe('docker-compose.yml', () => {
  const services = compose.services ?? {};

  it('parses', () => {
    expect([...composeDoc.errors, ...composeDoc.warnings].map((e) => e.message)).toEqual([]);
  });

  it('runs NATS with JetStream on a volume, and PostgreSQL with a health check', () => {
    const nats = services['nats'];
    expect(nats?.image).toBe('nats:2.10-alpine');
    const command = Array.isArray(nats?.command) ? nats.command.join(' ') : (nats?.command ?? '');
    expect(command).toMatch(/(^|\s)(-js|--jetstream)(\s|$)/);
    const store = /(?:-sd|--store_dir)[\s=]+(\S+)/.exec(command)?.[1];
    expect(nats?.volumes?.map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target))).toContain(store);
    expect(services['postgres']?.image).toBe('postgres:16-alpine');
    expect(
      JSON.stringify((services['postgres'] as { healthcheck?: unknown } | undefined)?.healthcheck),
    ).toMatch(/pg_isready/);
  });

  describe.each(APP_NAMES)('%s', (app) => {
    const service = services[app];
    const where = 'docker-compose.yml';

    it('is built from the Dockerfile with APP set to its name', () => {
      expect(service).toBeDefined();
      const build = typeof service?.build === 'string' ? { context: service.build } : service?.build;
      const args = Array.isArray(build?.args)
        ? Object.fromEntries(build.args.map((a) => [a.split('=')[0], a.split('=').slice(1).join('=')]))
        : build?.args;
      expect({
        context: build?.context,
        dockerfile: build?.dockerfile ?? 'Dockerfile',
        APP: args?.['APP'],
      }).toEqual({
        context: '.',
        dockerfile: 'Dockerfile',
        APP: app,
      });
    });

    it('starts after NATS and PostgreSQL are healthy', () => {
      const dependsOn = service?.depends_on;
      expect(Array.isArray(dependsOn) ? {} : dependsOn).toEqual(
        expect.objectContaining({
          nats: { condition: 'service_healthy' },
          postgres: { condition: 'service_healthy' },
        }),
      );
    });

    it('receives every setting it reads (optional ones may be left out), and none that no app reads', () => {
      expect(coverage(app, where, composeEnvironment(service), optionalSettings(app))).toEqual([]);
    });

    it('is configured with values its settings class accepts', () => {
      expect(invalidValues(app, where, composeEnvironment(service))).toEqual([]);
    });

    it('listens where its health check and its published port expect', () => {
      const env = composeEnvironment(service);
      const port = effectivePort(app, env);
      // The health check in x-app derives the variable's name from APP: INGEST_PORT, DEPLOY_TRACKER_PORT, …
      expect(portSetting(app).name).toBe(`${app.toUpperCase().replace(/-/g, '_')}_PORT`);
      const published = (service?.ports ?? []).map((p) =>
        typeof p === 'object' ? p.target : Number(String(p).split(':').pop()?.split('/')[0]),
      );
      if (app === 'ingest' || app === 'api') expect(published).toContain(port);
      else expect(published).toEqual([]);
    });
  });

  it('points NATS_URL and DATABASE_URL at its own services, and streams have one replica', () => {
    const problems: string[] = [];
    for (const app of APP_NAMES) {
      const env = composeEnvironment(services[app]);
      for (const name of ['NATS_URL', 'DATABASE_URL']) {
        const value = env.get(name)?.value;
        if (!value) continue;
        for (const url of value.split(',')) {
          if (!services[new URL(url).hostname])
            problems.push(`${app}: ${name} ${url} names no compose service`);
        }
      }
      const replicas = env.get('TOCSIN_STREAM_REPLICAS')?.value;
      if (replicas !== undefined && replicas !== '1')
        problems.push(`${app}: TOCSIN_STREAM_REPLICAS ${replicas} on one server`);
    }
    expect(problems).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((l) => !/^\s*(#|$)/.test(l));
  const runtime = lines.slice(lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));

  it('builds on node:20-bookworm-slim and runs as the node user', () => {
    const bases = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bases)).toEqual(new Set(['node:20-bookworm-slim']));
    expect(runtime.filter((l) => /^USER\s/i.test(l)).pop()).toMatch(/^USER\s+node\s*$/);
    expect(runtime.some((l) => /^ARG\s+APP\s*$/.test(l))).toBe(true);
    expect(existsSync(join(ROOT, '.dockerignore'))).toBe(true);
  });

  it.each(APP_NAMES)('starts %s the way its project.json serves it', (app) => {
    const cmd = runtime.find((l) => /^CMD\s/.test(l));
    const argv = JSON.parse(cmd?.replace(/^CMD\s+/, '') ?? '[]') as string[];
    const script = (argv[argv.length - 1] ?? '').replace(/\$\{?APP\}?/g, app).replace(/^exec\s+/, '');
    const project = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'project.json'), 'utf8')) as {
      targets?: { serve?: { options?: { command?: string } } };
    };
    expect(script).toBe(project.targets?.serve?.options?.command);
  });
});
