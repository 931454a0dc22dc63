import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createTallyMetrics,
  observeRequests,
  Readiness,
  registerObservabilityRoutes,
  type TallyMetrics,
} from '../../src/metrics/index.js';
import { requestObserver } from '../../src/metrics/http.js';
import { labelSets, sampleValue } from './prometheus-text.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function appWith(metrics: TallyMetrics, readiness: Readiness): FastifyInstance {
  const app = Fastify({ logger: false });
  apps.push(app);
  app.get<{ Params: { file: string } }>('/:file', async (request, reply) =>
    request.params.file.endsWith('.narinfo') ? reply.send('ok') : reply.code(400).send('bad'),
  );
  observeRequests(app, requestObserver(metrics));
  registerObservabilityRoutes(app, { metrics, readiness });
  return app;
}

describe('request metrics', () => {
  test('counted by method, route pattern and status, and timed, never labelled by the raw URL', async () => {
    const metrics = createTallyMetrics();
    const app = appWith(metrics, new Readiness());
    for (const url of ['/aaa.narinfo', '/bbb.narinfo', '/ccc']) await app.inject({ method: 'GET', url });
    await app.inject({ method: 'HEAD', url: '/ddd.narinfo' });
    await app.inject({ method: 'GET', url: '/nar/not/a/route' });

    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    const requests = (method: string, route: string, status: string) =>
      sampleValue(text, 'tally_http_requests_total', { method, route, status });
    expect(requests('GET', '/:file', '200')).toBe(2);
    expect(requests('GET', '/:file', '400')).toBe(1);
    expect(requests('HEAD', '/:file', '200')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(
      sampleValue(text, 'tally_http_request_duration_seconds_count', { method: 'GET', route: '/:file' }),
    ).toBe(3);
    const routes = labelSets(text, 'tally_http_requests_total').map((labels) => labels.route);
    expect(new Set(routes)).toEqual(new Set(['/:file', 'unmatched']));
  });
});

describe('/healthz', () => {
  test('503 naming what is not up until storage and listeners are, then 200 ready; 503 again on the way down', async () => {
    const readiness = new Readiness();
    const app = appWith(createTallyMetrics(), readiness);
    const health = async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      return [response.statusCode, response.json()];
    };
    expect(await health()).toEqual([503, { status: 'not ready', notReady: ['storage', 'listeners'] }]);
    readiness.set('storage', true);
    expect(await health()).toEqual([503, { status: 'not ready', notReady: ['listeners'] }]);
    readiness.set('listeners', true);
    expect(await health()).toEqual([200, { status: 'ready' }]);
    readiness.set('listeners', false);
    expect(await health()).toEqual([503, { status: 'not ready', notReady: ['listeners'] }]);
  });
});
