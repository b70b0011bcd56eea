import http from 'http';
import { metrics } from '@opentelemetry/api';
import {
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  prometheusOptionsFromEnv,
  startPrometheusEndpoint,
} from './prometheus';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('prometheusOptionsFromEnv', () => {
  it('listens on loopback port 9464 unless the OpenTelemetry variables say otherwise', () => {
    expect(prometheusOptionsFromEnv({})).toEqual({
      host: DEFAULT_PROMETHEUS_HOST,
      port: DEFAULT_PROMETHEUS_PORT,
    });
    expect(
      prometheusOptionsFromEnv({
        OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
      }),
    ).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it.each(['http', '-1', '70000', '94 64'])(
    'refuses OTEL_EXPORTER_PROMETHEUS_PORT=%s, naming the variable',
    port => {
      expect(() =>
        prometheusOptionsFromEnv({ OTEL_EXPORTER_PROMETHEUS_PORT: port }),
      ).toThrow(/OTEL_EXPORTER_PROMETHEUS_PORT must be a port number/);
    },
  );
});

describe('startPrometheusEndpoint', () => {
  it('serves what the global meters record at /metrics, and nothing elsewhere', async () => {
    const endpoint = await startPrometheusEndpoint({ port: 0 });
    try {
      metrics
        .getMeter('test')
        .createCounter('demo.things', { description: 'Things' })
        .add(3, { kind: 'a' });
      const scraped = await get(endpoint.url);
      expect(scraped.status).toBe(200);
      expect(scraped.body).toMatch(/^demo_things_total\{kind="a".*\} 3$/m);
      const other = await get(endpoint.url.replace('/metrics', '/other'));
      expect(other.status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it('says why when the port is taken, and leaves no provider registered', async () => {
    const first = await startPrometheusEndpoint({ port: 0 });
    try {
      await expect(
        startPrometheusEndpoint({ port: first.port }),
      ).rejects.toThrow(/already registered/);
    } finally {
      await first.close();
    }
    const blocker = http.createServer();
    await new Promise<void>(r => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startPrometheusEndpoint({ port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
      // The failed start unregistered its provider: a new one can start.
      const next = await startPrometheusEndpoint({ port: 0 });
      await next.close();
    } finally {
      blocker.close();
    }
  });
});
