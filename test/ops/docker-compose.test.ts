import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS } from '../../src/config/index.ts';
import { freePort } from '../support/cli.ts';

/*
 * Docker cannot run here: these tests keep docker-compose.yml and the Dockerfile honest by
 * reading them — the production shape (no development PKI, ports on 127.0.0.1, a restart
 * policy, the password from .env, a supported Node.js LTS, a readiness healthcheck on the
 * configured port, the embedded-database template made at build) and the opt-in demo profile.
 */

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

interface Service {
  image?: string; build?: unknown; restart?: string; profiles?: string[];
  command?: string[] | string; entrypoint?: string[] | string;
  environment?: Record<string, string>; ports?: Array<string | { host_ip?: string; target: number; published?: string | number }>;
  volumes?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>;
}
const composeText = read('docker-compose.yml');
const compose = parse(composeText) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

/** The KEY=value lines of an env file (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** docker compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error} (empty counts as unset). */
function interpolate(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? arg! : '';
  });
}
const interpolatedNames = [...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
const example = envFile(read('.env.example'));
const withPassword = { ...example, POSTGRES_PASSWORD: 'a-secret-from-dot-env' };
const envOf = (s: Service, vars: Record<string, string> = withPassword) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
const argv = (c: string[] | string | undefined) => (c === undefined ? [] : typeof c === 'string' ? c.split(/\s+/) : c);

describe('docker-compose.yml', () => {
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
    for (const [name, s] of services.filter(([n]) => n !== 'postgres')) {
      for (const key of Object.keys(s.environment ?? {})) expect(known, `${name}: ${key}`).toContain(key);
    }
    const url = new URL(envOf(compose.services.gateway!).DATABASE_URL!);
    expect(url.hostname).toBe('postgres');
    const pgEnv = envOf(compose.services.postgres!);
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
    expect(decodeURIComponent(url.username)).toBe(pgEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pgEnv.POSTGRES_PASSWORD);
  });

  it('takes the database password from .env only: required, no default, none committed; .env.example documents every variable', () => {
    const required = /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/;
    expect(compose.services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(required);
    expect(compose.services.gateway!.environment!.DATABASE_URL).toMatch(/^postgres:\/\/bxg:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/bxg$/);
    // The committed example holds no secret: used as it is, compose refuses to start.
    expect(example.POSTGRES_PASSWORD).toBe('');
    expect(() => envOf(compose.services.postgres!, example)).toThrow(/POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/);
    for (const name of new Set(interpolatedNames)) expect(Object.keys(example), `${name} in .env.example`).toContain(name);
    // The real .env stays out of git and out of the image's build context.
    expect(read('.gitignore').split('\n')).toContain('/.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
  });

  it('publishes every port on 127.0.0.1 only, to the port the service listens on', () => {
    let published = 0;
    for (const [name, s] of services) {
      for (const p of s.ports ?? []) {
        published++;
        if (typeof p === 'string') {
          const m = /^(\d+\.\d+\.\d+\.\d+):(\d+):(\d+)$/.exec(p);
          expect(m, `${name}: ${p} must read 127.0.0.1:HOST:CONTAINER`).not.toBeNull();
          expect(m![1], `${name}: ${p}`).toBe('127.0.0.1');
          expect(m![3], `${name}: ${p}`).toBe(envOf(s).PORT);
        } else {
          expect(p.host_ip, name).toBe('127.0.0.1');
          expect(String(p.target)).toBe(envOf(s).PORT);
        }
      }
    }
    expect(published).toBeGreaterThanOrEqual(2);
    expect(compose.services.postgres!.ports, 'PostgreSQL is reached on the compose network only').toBeUndefined();
  });

  it('gives every service a restart policy', () => {
    for (const [name, s] of services) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure(:\d+)?)$/);
  });

  it('the gateway runs the image as built (production: no development PKI) with its PKI mounted read-only', () => {
    const gw = compose.services.gateway!;
    expect(gw.profiles).toBeUndefined();
    expect(gw.command).toBeUndefined();
    expect(gw.entrypoint).toBeUndefined();
    const certsDir = envOf(gw).CERTS_DIR;
    expect(certsDir).toBe('/app/certs');
    expect(gw.volumes?.map((v) => interpolate(v, example))).toContain(`${example.BXG_PKI_DIR}:${certsDir}:ro`);
  });

  it('the development PKI is only in the explicit demo profile, on its own database and certificates', () => {
    const initPki = services.filter(([, s]) => [...argv(s.command), ...argv(s.entrypoint)].includes('--init-pki'));
    expect(initPki.map(([n]) => n)).toEqual(['demo']);
    const demo = compose.services.demo!;
    expect(demo.profiles).toEqual(['demo']);
    // Its own embedded database: nothing of the development PKI reaches the gateway's trust store.
    expect(envOf(demo).DATABASE_URL).toBeUndefined();
    expect(demo.depends_on).toBeUndefined();
    const sources = (sv: Service) => (sv.volumes ?? []).map((v) => interpolate(v, example).split(':')[0]);
    const demoVolumes = sources(demo);
    const gwVolumes = sources(compose.services.gateway!);
    expect(demoVolumes).toEqual(['demo-certs', 'demo-data']);
    expect(demoVolumes.filter((v) => gwVolumes.includes(v))).toEqual([]);
    expect(services.filter(([, s]) => !s.profiles).map(([n]) => n).sort()).toEqual(['gateway', 'postgres']);
  });
});

/** The Dockerfile's instructions (continuations joined), each with the stage it belongs to. */
function dockerfile(): Array<{ stage: string; op: string; args: string }> {
  const out: Array<{ stage: string; op: string; args: string }> = [];
  let stage = '';
  const joined = read('Dockerfile').replace(/\\\n\s*/g, ' ');
  for (const line of joined.split('\n')) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!m || line.trim().startsWith('#')) continue;
    if (m[1] === 'FROM') stage = /\bAS\s+(\S+)/i.exec(m[2]!)?.[1] ?? m[2]!;
    out.push({ stage, op: m[1]!, args: m[2]!.trim() });
  }
  return out;
}

describe('Dockerfile', () => {
  const ins = dockerfile();
  const runtime = ins.filter((i) => i.stage === ins.at(-1)!.stage);
  const one = (op: string) => {
    const found = runtime.filter((i) => i.op === op);
    expect(found, op).toHaveLength(1);
    return found[0]!.args;
  };

  it('is multi-stage on a supported Node.js LTS (22 or 24) and runs as a non-root user', () => {
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^(node:(22|24)-bookworm-slim|deps|template)\b/);
    expect(runtime.filter((i) => i.op === 'USER').map((i) => i.args)).toEqual(['node']);
    expect(ins.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args))).toBe(true);
    // The code keeps running on Node.js 20 (CI): the package still admits it.
    expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toMatch(/^>=20\./);
  });

  it('never creates or trusts a development PKI: production mode, and --require-pki instead of --init-pki', () => {
    for (const i of ins) expect(i.args, `${i.op} ${i.args}`).not.toMatch(/--init-pki/);
    expect(JSON.parse(one('CMD'))).toEqual(['node', 'bin/bxg.js', 'serve', '--require-pki']);
    expect(one('ENV')).toMatch(/\bNODE_ENV=production\b/);
    expect(one('ENV')).toMatch(/\bCERTS_DIR=\/app\/certs\b/);
  });

  it('prepares the embedded-database template at build (scripts/prepare.ts, as npm ci does) and copies it into the image', () => {
    const prep = ins.find((i) => i.op === 'RUN' && i.args.includes('scripts/prepare.ts'))!;
    expect(prep).toBeDefined();
    expect(prep.args).toMatch(/^node --import tsx scripts\/prepare\.ts && ls node_modules\/\.cache\/bxg\//);
    expect(prep.stage).not.toBe(runtime[0]!.stage);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain(`--from=${prep.stage} /app/node_modules/.cache/bxg ./node_modules/.cache/bxg`);
  });

  it('ships the CLI compiled to JavaScript (dist/, made in a stage with TypeScript) and the published docs', () => {
    const build = ins.find((i) => i.op === 'RUN' && i.args.includes('scripts/build.ts'))!;
    expect(build).toBeDefined();
    expect(build.stage).not.toBe(runtime[0]!.stage);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain(`--from=${build.stage} /app/dist ./dist`);
    expect(copies).toContain('docs ./docs');
    // The stamp is renewed after the sources are copied, so bin/bxg.js takes dist/ in the image.
    expect(runtime.some((i) => i.op === 'RUN' && /touch \/app\/dist\/\.stamp/.test(i.args))).toBe(true);
  });

  it('HEALTHCHECK asks /ready on the configured PORT (run here against a local server)', async () => {
    const hc = one('HEALTHCHECK');
    const cmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    let status = 200;
    const asked: string[] = [];
    const server = createServer((req, res) => { asked.push(req.url!); res.statusCode = status; res.end(); });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const run = (env: NodeJS.ProcessEnv) => new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, cmd.slice(1), { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
      child.on('close', resolve);
    });
    try {
      expect(await run({ PORT: String(port), HOST: '0.0.0.0' })).toBe(0);
      status = 503;
      expect(await run({ PORT: String(port), HOST: '0.0.0.0' })).toBe(1);
      expect(asked).toEqual(['/ready', '/ready']);
      server.close();
      expect(await run({ PORT: String(port) })).toBe(1); // nothing listening
    } finally {
      server.close();
    }
  });
});
