import { type DynamicModule, Module } from '@nestjs/common';
import { loadSettings, type SettingsClass } from './load-settings';

/**
 * Provides an app's settings, validated once at boot, under its class as the injection token.
 * Nothing outside this module reads process.env.
 */
@Module({})
export class ConfigModule {
  static forRoot<T extends object>(
    cls: SettingsClass<T>,
    env: NodeJS.ProcessEnv = process.env,
  ): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      // A factory, so that a SettingsError surfaces while the app is created, not at import.
      providers: [{ provide: cls, useFactory: () => loadSettings(cls, env) }],
      exports: [cls],
    };
  }
}
