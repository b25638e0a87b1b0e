import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BaseSettings } from '@tocsin/config';
import type { FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { loggingParams, redactPath } from './logging';

describe('redactPath', () => {
  it('replaces the token of webhook, deploy and schedule feed URLs, and keeps the rest', () => {
    expect(redactPath('/hooks/abc123?x=1')).toBe('/hooks/[redacted]?x=1');
    expect(redactPath('/deploys/abc123')).toBe('/deploys/[redacted]');
    expect(redactPath('/ical/Zm9v_-bar.ics?from=2027-03-26T00:00:00Z')).toBe(
      '/ical/[redacted]?from=2027-03-26T00:00:00Z',
    );
    expect(redactPath('/v1/schedules/0190/shifts.ics')).toBe('/v1/schedules/0190/shifts.ics');
    expect(redactPath(undefined)).toBeUndefined();
  });
});

describe('loggingParams and the request logger', () => {
  @Controller()
  class ProbeController {
    /** Whether pino-http's middleware ran for this request: it leaves the request's logger on it. */
    @Get('probe')
    probe(@Req() request: FastifyRequest): { requestLogger: boolean } {
      return { requestLogger: typeof (request.raw as { log?: unknown }).log === 'object' };
    }
  }

  async function requestLogger(options: { logRequests?: boolean }): Promise<boolean> {
    const settings = Object.assign(new BaseSettings(), { LOG_LEVEL: 'silent' });
    @Module({
      imports: [LoggerModule.forRoot(loggingParams('probe', settings, options))],
      controllers: [ProbeController],
    })
    class ProbeModule {}
    const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), {
      logger: false,
    });
    try {
      await app.listen(0, '127.0.0.1');
      const answer = await fetch(`${await app.getUrl()}/probe`);
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { requestLogger: boolean }).requestLogger;
    } finally {
      await app.close();
    }
  }

  it('gives each request a logger of its own by default', async () => {
    expect(await requestLogger({})).toBe(true);
  });

  // The middleware would also enter an AsyncLocalStorage for each request, after which Node tracks
  // every promise the process makes.
  it('installs no request middleware with logRequests: false', async () => {
    expect(await requestLogger({ logRequests: false })).toBe(false);
  });
});
