/**
 * compose.yaml, the newcomer's way to the two services. Docker is not run
 * here (the machines this project is built on have none); what is checked
 * is that the file says what CI does (.ci/services.sh): Redis 7 and MariaDB
 * on the same ports, root with an empty password, a database named `test`,
 * reachable from this machine only.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const text = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  image: string;
  command?: string[];
  environment?: Record<string, string>;
  ports: string[];
  healthcheck: { test: string[] };
}
const compose = parse(text('compose.yaml')) as { services: Record<string, Service> };
const ci = text('.ci/services.sh');

describe('compose.yaml', () => {
  it('runs exactly the two services, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mariadb', 'redis']);
    for (const service of Object.values(compose.services)) {
      expect(service.healthcheck.test[0]).toBe('CMD');
    }
  });

  it('Redis: version 7, port 6379 on 127.0.0.1, no persistence, as CI', () => {
    const redis = compose.services.redis as Service;
    expect(redis.image).toBe('redis:7');
    expect(redis.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(ci).toMatch(/redis-server .*--port 6379 --save "" --appendonly no/);
    expect(redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
  });

  it('MariaDB: port 3306 on 127.0.0.1, root without a password, database test, as CI', () => {
    const mariadb = compose.services.mariadb as Service;
    expect(mariadb.image).toMatch(/^mariadb:10\.11$/);
    expect(mariadb.ports).toEqual(['127.0.0.1:3306:3306']);
    expect(mariadb.environment).toEqual({
      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1',
      MARIADB_DATABASE: 'test',
    });
    expect(ci).toContain("mariadb -h 127.0.0.1 -uroot -e 'create database if not exists test'");
  });

  it('matches the defaults the tests connect to (README › Services)', () => {
    const readme = text('README.md');
    expect(readme).toContain('`redis://127.0.0.1:6379`');
    expect(readme).toContain('`mysql://root@127.0.0.1:3306/test`');
  });
});
