import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseSettings, SettingsClass } from '@tocsin/config';
import { DataSource } from 'typeorm';
import { openDataSource, type SchemaOptions } from './data-source';
import { Inbox } from './inbox';

/** Closes the pool at shutdown and answers readiness pings. */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  async ping(timeoutMs = 1_000): Promise<boolean> {
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
      ]);
      return true;
    } catch {
      return false;
    }
  }
}

/** A TypeORM DataSource on the service's own schema, migrated at start, and its inbox. */
@Module({})
export class PersistenceModule {
  static forRoot(settingsClass: SettingsClass<DatabaseSettings>, options: SchemaOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          inject: [settingsClass],
          useFactory: (s: DatabaseSettings) => openDataSource(s.DATABASE_URL, options),
        },
        { provide: Inbox, inject: [DataSource], useFactory: (ds: DataSource) => new Inbox(ds) },
        DatabaseLifecycle,
      ],
      exports: [DataSource, Inbox, DatabaseLifecycle],
    };
  }
}
