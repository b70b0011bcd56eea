/*
 * A Prometheus endpoint for the backend's OpenTelemetry metrics: an
 * OpenTelemetry MeterProvider (registered globally, where Backstage's
 * MetricsService and the plugins' meters find it) read by the Prometheus
 * exporter and served on its own HTTP port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** Default port: the one registered for OpenTelemetry's Prometheus exporter. */
export const DEFAULT_PROMETHEUS_PORT = 9464;

/** Default interface: loopback, so the endpoint is not reachable from elsewhere by accident. */
export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';

/** Where the endpoint listens. */
export interface PrometheusEndpointOptions {
  /** Interface to listen on (default 127.0.0.1; 0.0.0.0 for every interface). */
  host?: string;
  /** Port (default 9464; 0 for any free port). */
  port?: number;
  /** Path of the endpoint (default /metrics). */
  path?: string;
}

/** A running endpoint. */
export interface PrometheusEndpoint {
  /** The URL to scrape, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  port: number;
  /** Stops serving, shuts the MeterProvider down and unregisters it. */
  close(): Promise<void>;
}

/**
 * Reads the endpoint's settings from the environment (the OpenTelemetry SDK's
 * variables): OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT.
 * Throws on a port that is not a number from 0 to 65535.
 */
export function prometheusOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): PrometheusEndpointOptions {
  const rawPort = env.OTEL_EXPORTER_PROMETHEUS_PORT?.trim();
  let port = DEFAULT_PROMETHEUS_PORT;
  if (rawPort) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      throw new Error(
        `OTEL_EXPORTER_PROMETHEUS_PORT must be a port number from 0 to 65535, not "${rawPort}"`,
      );
    }
  }
  return {
    host: env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || DEFAULT_PROMETHEUS_HOST,
    port,
  };
}

/**
 * Registers a global MeterProvider whose metrics are served for Prometheus
 * at `http://<host>:<port>/metrics`. Call it before the backend starts, so
 * that every meter (Backstage's and the plugins') reports to it.
 */
export async function startPrometheusEndpoint(
  options: PrometheusEndpointOptions = {},
): Promise<PrometheusEndpoint> {
  const host = options.host ?? DEFAULT_PROMETHEUS_HOST;
  const path = options.path ?? '/metrics';
  // The exporter's own server cannot listen on port 0; serve its handler.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  // Registered at once (before the first await): modules that ask for a
  // meter while they load get this provider's.
  if (!metrics.setGlobalMeterProvider(provider)) {
    await provider.shutdown();
    throw new Error('An OpenTelemetry MeterProvider is already registered');
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === path) {
      exporter.getMetricsRequestHandler(req, res);
    } else {
      res.statusCode = 404;
      res.end(`Not found; metrics are served at ${path}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PROMETHEUS_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async error => {
    metrics.disable();
    await provider.shutdown();
    throw error;
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}${path}`,
    port,
    async close() {
      await new Promise<void>(resolve => server.close(() => resolve()));
      await provider.shutdown();
      metrics.disable();
    },
  };
}
