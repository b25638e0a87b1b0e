import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, MoreThan } from 'typeorm';
import { MaintenanceWindow } from './maintenance-window.entity';

/** How often each replica reloads the windows; one it created itself counts at once. */
export const CALENDAR_REFRESH_MS = 5_000;

/**
 * The maintenance windows that have not ended, in memory, so that applying an event asks no
 * query of its own. A window created or removed through another replica counts here within
 * CALENDAR_REFRESH_MS.
 */
@Injectable()
export class MaintenanceCalendarService implements OnApplicationBootstrap, OnApplicationShutdown {
  private windows: Pick<MaintenanceWindow, 'integrationId' | 'service' | 'startsAt' | 'endsAt'>[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'maintenance windows not reloaded; keeping the last copy'),
      );
    }, CALENDAR_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    // Windows that ended within the last day still decide for events received during them.
    const since = new Date(Date.now() - 24 * 60 * 60 * 1000);
    this.windows = await this.dataSource.getRepository(MaintenanceWindow).find({
      select: { integrationId: true, service: true, startsAt: true, endsAt: true },
      where: { endsAt: MoreThan(since) },
    });
  }

  /** Whether a window covers the integration, or its service, at a moment. */
  covers(integrationId: string, service: string | null, at: Date): boolean {
    const time = at.getTime();
    return this.windows.some(
      (w) =>
        w.startsAt.getTime() <= time &&
        w.endsAt.getTime() > time &&
        (w.integrationId === integrationId || (service !== null && w.service === service)),
    );
  }
}
