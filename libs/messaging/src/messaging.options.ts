export interface MessagingOptions {
  /** Comma-separated NATS URLs. */
  servers: string;
  /** Installation prefix put in front of every subject, stream, consumer and bucket name. */
  prefix: string;
  /** The service's name, used for the connection name and its request/reply queue group. */
  service: string;
  /** Replicas of every stream and bucket this service creates. */
  streamReplicas: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
