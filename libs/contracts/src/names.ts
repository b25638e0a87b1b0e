/*
 * Every NATS subject, stream, durable consumer and KV bucket name of Tocsin.
 *
 * Renaming any of these needs a migration plan: streams and durable consumers are persistent
 * state on the NATS server, and running services of two versions must agree on each name.
 *
 * Names here are relative: libs/messaging puts the installation prefix (TOCSIN_PREFIX) in front of
 * every subject ("<prefix>.hooks.received.<id>") and of every stream, consumer and bucket name.
 */

export const SUBJECTS = {
  hookReceived: (integrationId: string) => `hooks.received.${integrationId}`,
  hookOutcome: (integrationId: string) => `hooks.outcome.${integrationId}`,
  /** The partition token lets replicas of incident-state apply the events of one key in order. */
  eventNormalized: (integrationId: string, partition: number) =>
    `events.normalized.${integrationId}.${partition}`,
  deployReceived: () => 'deploys.received',
  deployRecorded: (serviceId: string) => `deploys.recorded.${serviceId}`,
  incident: (change: IncidentChange, incidentId: string) => `incidents.${change}.${incidentId}`,
  notification: (result: 'sent' | 'failed', incidentId: string) => `notifications.${result}.${incidentId}`,
  deadLetter: (subject: string) => `dlq.${subject}`,
} as const;

/** Wildcard forms, for stream definitions, consumer filters and live subscriptions. */
export const SUBJECT_FILTERS = {
  hooksReceived: 'hooks.received.>',
  hooksOutcome: 'hooks.outcome.>',
  eventsNormalized: 'events.normalized.>',
  deploysReceived: 'deploys.received',
  deploysRecorded: 'deploys.recorded.>',
  incidents: 'incidents.>',
  notifications: 'notifications.>',
  deadLetters: 'dlq.>',
} as const;

export const INCIDENT_CHANGES = [
  'opened',
  'appended',
  'updated',
  'acknowledged',
  'resolved',
  'reopened',
  'flapping',
] as const;
export type IncidentChange = (typeof INCIDENT_CHANGES)[number];

export interface StreamDefinition {
  /** Relative name; the stream is created as "<prefix>-<name>". */
  readonly name: string;
  readonly subjects: readonly string[];
  /** How long the stream keeps messages (they fan out to several consumers: limits retention). */
  readonly maxAgeMs: number;
  /** Window in which a repeated Nats-Msg-Id is dropped by the server. */
  readonly duplicateWindowMs: number;
}

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;

export const STREAMS = {
  hooks: {
    name: 'hooks',
    subjects: [SUBJECT_FILTERS.hooksReceived],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
  outcomes: {
    name: 'outcomes',
    subjects: [SUBJECT_FILTERS.hooksOutcome],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
  events: {
    name: 'events',
    subjects: [SUBJECT_FILTERS.eventsNormalized],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
  deploys: {
    name: 'deploys',
    subjects: [SUBJECT_FILTERS.deploysReceived, SUBJECT_FILTERS.deploysRecorded],
    maxAgeMs: 7 * DAY,
    // A deploy's Nats-Msg-Id comes from its dedup_id: a pipeline that posts the same deploy again
    // within a day gets `duplicate_deploy` from the stream itself (deploy-tracker's table after that).
    duplicateWindowMs: DAY,
  },
  incidents: {
    name: 'incidents',
    subjects: [SUBJECT_FILTERS.incidents],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
  notifications: {
    name: 'notifications',
    subjects: [SUBJECT_FILTERS.notifications],
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
  deadLetters: {
    name: 'dlq',
    subjects: [SUBJECT_FILTERS.deadLetters],
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 10 * MINUTE,
  },
} as const satisfies Record<string, StreamDefinition>;

export type StreamKey = keyof typeof STREAMS;

/**
 * Normalized events are spread over this many partitions by their incident key (integration and
 * group key, or dedup key). Each partition has its own durable consumer, pulled by one replica of
 * incident-state at a time (the holder of its lease), so however many replicas run, the events of
 * one key are applied in stream order. More partitions spread the work over more replicas and cost
 * NATS more pulls.
 * Changing the count needs a migration plan: events in flight are on the old partitions (see the
 * upgrade note in CHANGELOG.md for the change from 32 to 128).
 */
export const EVENT_PARTITIONS = 128;

/**
 * A consumer split into `count` durables `<durable>-<p>`, each filtered to `filter(p)`. One replica
 * at a time holds a partition (a lease in the KV bucket `leases`) and hands its handler batches of
 * up to `batch` messages of that partition, in stream order.
 */
export interface ConsumerPartitions {
  readonly count: number;
  readonly filter: (partition: number) => string;
  /** Messages of one partition handed to the handler at once at most. */
  readonly batch: number;
}

export interface ConsumerDefinition {
  /** Relative durable name; created as "<prefix>-<durable>". Replicas of a service share it. */
  readonly durable: string;
  readonly stream: StreamKey;
  readonly filterSubject: string;
  /** Time a handler has before the message is delivered again. */
  readonly ackWaitMs: number;
  /** Deliveries before the message is dead-lettered. */
  readonly maxDeliver: number;
  /** Messages handed out and not yet settled, across all replicas (per partition, when split). */
  readonly maxAckPending: number;
  readonly partitions?: ConsumerPartitions;
}

const consumer = (
  durable: string,
  stream: StreamKey,
  filterSubject: string,
  overrides: Partial<ConsumerDefinition> = {},
): ConsumerDefinition => ({
  durable,
  stream,
  filterSubject,
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 1_000,
  ...overrides,
});

export const CONSUMERS = {
  normalizeHooks: consumer('normalize-hooks', 'hooks', SUBJECT_FILTERS.hooksReceived),
  normalizeOutcomes: consumer('normalize-outcomes', 'outcomes', SUBJECT_FILTERS.hooksOutcome),
  normalizeDeadLetters: consumer('normalize-dlq', 'deadLetters', SUBJECT_FILTERS.deadLetters),
  incidentStateEvents: consumer('incident-state-events', 'events', SUBJECT_FILTERS.eventsNormalized, {
    // Two batches per partition: one being applied while the next is pulled.
    maxAckPending: 256,
    partitions: { count: EVENT_PARTITIONS, filter: (p) => `events.normalized.*.${p}`, batch: 128 },
  }),
  incidentStateDeploys: consumer('incident-state-deploys', 'deploys', SUBJECT_FILTERS.deploysRecorded),
  deployTrackerDeploys: consumer('deploy-tracker-deploys', 'deploys', SUBJECT_FILTERS.deploysReceived),
  notifierIncidents: consumer('notifier-incidents', 'incidents', SUBJECT_FILTERS.incidents),
  /** Incidents opening and resolving, for suspect deploys and the service metrics. */
  deployTrackerIncidents: consumer('deploy-tracker-incidents', 'incidents', SUBJECT_FILTERS.incidents),
} as const satisfies Record<string, ConsumerDefinition>;

export type ConsumerKey = keyof typeof CONSUMERS;

/** KV buckets; created as "<prefix>-<name>". */
export const KV_BUCKETS = {
  /** sha256(token) → IntegrationIndexEntry; written by normalize, read (watched) by ingest. */
  integrations: 'integrations',
  /** sha256(aliasKey(alias)) → ServiceAliasEntryV1; written by deploy-tracker, watched by ingest. */
  serviceAliases: 'service-aliases',
  /**
   * Partition leases of partitioned consumers (`l.<durable>.<partition>` → holder) and their
   * holders' presence (`m.<durable>.<holder>`); keys expire when not renewed.
   */
  leases: 'leases',
} as const;

/** Request/reply subjects (core NATS) from api to the services that own the data. */
export const RPC = {
  normalize: {
    createIntegration: 'rpc.normalize.integrations.create',
    listIntegrations: 'rpc.normalize.integrations.list',
    getIntegration: 'rpc.normalize.integrations.get',
    updateIntegration: 'rpc.normalize.integrations.update',
    deleteIntegration: 'rpc.normalize.integrations.delete',
    rotateIntegrationToken: 'rpc.normalize.integrations.rotate-token',
    testIntegration: 'rpc.normalize.integrations.test',
    listInbound: 'rpc.normalize.inbound.list',
    getInbound: 'rpc.normalize.inbound.get',
    inboundForIncident: 'rpc.normalize.inbound.for-incident',
  },
  incidentState: {
    listIncidents: 'rpc.incident-state.incidents.list',
    getIncident: 'rpc.incident-state.incidents.get',
    /** What a list of events would do to the incidents open now; changes nothing. */
    previewEvents: 'rpc.incident-state.incidents.preview',
    acknowledgeIncident: 'rpc.incident-state.incidents.acknowledge',
    resolveIncident: 'rpc.incident-state.incidents.resolve',
    addNote: 'rpc.incident-state.incidents.note',
    timeline: 'rpc.incident-state.incidents.timeline',
    createMaintenanceWindow: 'rpc.incident-state.maintenance.create',
    listMaintenanceWindows: 'rpc.incident-state.maintenance.list',
    deleteMaintenanceWindow: 'rpc.incident-state.maintenance.delete',
  },
  notifier: {
    createUser: 'rpc.notifier.users.create',
    listUsers: 'rpc.notifier.users.list',
    getUser: 'rpc.notifier.users.get',
    updateUser: 'rpc.notifier.users.update',
    deleteUser: 'rpc.notifier.users.delete',
    addContactMethod: 'rpc.notifier.contact-methods.add',
    deleteContactMethod: 'rpc.notifier.contact-methods.delete',
    addNotificationRule: 'rpc.notifier.notification-rules.add',
    deleteNotificationRule: 'rpc.notifier.notification-rules.delete',
    createTeam: 'rpc.notifier.teams.create',
    listTeams: 'rpc.notifier.teams.list',
    getTeam: 'rpc.notifier.teams.get',
    updateTeam: 'rpc.notifier.teams.update',
    deleteTeam: 'rpc.notifier.teams.delete',
    listNotifications: 'rpc.notifier.notifications.list',
    describeAction: 'rpc.notifier.actions.describe',
    performAction: 'rpc.notifier.actions.perform',
    smsReply: 'rpc.notifier.sms.reply',
    /** The VAPID public key browsers subscribe with (applicationServerKey). */
    pushPublicKey: 'rpc.notifier.push.public-key',
    createEscalationPolicy: 'rpc.notifier.escalation-policies.create',
    listEscalationPolicies: 'rpc.notifier.escalation-policies.list',
    getEscalationPolicy: 'rpc.notifier.escalation-policies.get',
    updateEscalationPolicy: 'rpc.notifier.escalation-policies.update',
    deleteEscalationPolicy: 'rpc.notifier.escalation-policies.delete',
    /** Gaps and unreachable targets over the coming days; changes nothing. */
    checkEscalationPolicy: 'rpc.notifier.escalation-policies.check',
    createSchedule: 'rpc.notifier.schedules.create',
    listSchedules: 'rpc.notifier.schedules.list',
    getSchedule: 'rpc.notifier.schedules.get',
    updateSchedule: 'rpc.notifier.schedules.update',
    deleteSchedule: 'rpc.notifier.schedules.delete',
    rotateScheduleFeedToken: 'rpc.notifier.schedules.rotate-feed-token',
    scheduleOnCall: 'rpc.notifier.schedules.on-call',
    scheduleShifts: 'rpc.notifier.schedules.shifts',
    scheduleFeed: 'rpc.notifier.schedules.feed',
    /** The feed for the token of a feed URL (calendar apps send no api key). */
    scheduleFeedByToken: 'rpc.notifier.schedules.feed-by-token',
  },
  deployTracker: {
    createService: 'rpc.deploy-tracker.services.create',
    listServices: 'rpc.deploy-tracker.services.list',
    getService: 'rpc.deploy-tracker.services.get',
    updateService: 'rpc.deploy-tracker.services.update',
    deleteService: 'rpc.deploy-tracker.services.delete',
    serviceMetrics: 'rpc.deploy-tracker.services.metrics',
    listSuggestions: 'rpc.deploy-tracker.suggestions.list',
    acceptSuggestion: 'rpc.deploy-tracker.suggestions.accept',
    dismissSuggestion: 'rpc.deploy-tracker.suggestions.dismiss',
    listDeploys: 'rpc.deploy-tracker.deploys.list',
    getDeploy: 'rpc.deploy-tracker.deploys.get',
    /** The deploys that came shortly before an incident (its suspect deploys), nearest first. */
    incidentSuspects: 'rpc.deploy-tracker.incidents.suspects',
  },
} as const;

/** Message headers Tocsin sets besides Nats-Msg-Id. */
export const HEADERS = {
  messageId: 'Nats-Msg-Id',
  hookId: 'Tocsin-Hook-Id',
  incidentId: 'Tocsin-Incident-Id',
  /** Messages with the same value are handled one after another, in stream order, by a replica. */
  orderingKey: 'Tocsin-Ordering-Key',
  messageType: 'Tocsin-Type',
  deadLetterReason: 'Tocsin-Dlq-Reason',
  deadLetterConsumer: 'Tocsin-Dlq-Consumer',
  deadLetterDeliveries: 'Tocsin-Dlq-Deliveries',
  deadLetterSubject: 'Tocsin-Dlq-Subject',
} as const;
