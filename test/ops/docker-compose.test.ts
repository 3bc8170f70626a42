import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS } from '../../src/config/index.ts';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

describe('docker-compose.yml (Docker cannot run here: keep the file honest)', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> }>;
  };

  it('has PostgreSQL 16 with a healthcheck', () => {
    const pgService = compose.services.postgres!;
    expect(pgService.image).toMatch(/^postgres:16/);
    expect(pgService.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
  });

  it('builds the gateway and starts it only when PostgreSQL is healthy', () => {
    const gw = compose.services.gateway!;
    expect(gw.build).toBeDefined();
    expect(gw.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('sets only environment variables the configuration reads, and points DATABASE_URL at the postgres service', () => {
    const known = new Set(ENV_VARS.map((v) => v.name));
    const env = compose.services.gateway!.environment ?? {};
    for (const name of Object.keys(env)) expect(known, name).toContain(name);
    expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
    const pgEnv = compose.services.postgres!.environment!;
    expect(new URL(env.DATABASE_URL!).pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
  });

  it('the Dockerfile is multi-stage and runs as a non-root user', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
  });
});
