/*
 * Loaded before the backend (`backstage-cli package start
 * --require=./src/instrumentation.ts`, see package.json), as Backstage's OpenTelemetry
 * tutorial describes: the MeterProvider must be registered before any plugin
 * asks for a meter. Serves the metrics for Prometheus on
 * OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT (default
 * 127.0.0.1:9464); OTEL_METRICS_EXPORTER=none turns it off.
 */
import { isMainThread } from 'node:worker_threads';
import {
  prometheusOptionsFromEnv,
  startPrometheusEndpoint,
} from './prometheus';

/* eslint-disable no-console */
if (isMainThread && process.env.OTEL_METRICS_EXPORTER !== 'none') {
  let options: ReturnType<typeof prometheusOptionsFromEnv>;
  try {
    options = prometheusOptionsFromEnv();
  } catch (error) {
    console.error(`Metrics are not served: ${(error as Error).message}`);
    process.exit(1);
  }
  startPrometheusEndpoint(options).then(
    endpoint => console.log(`Prometheus metrics served at ${endpoint.url}`),
    error =>
      console.error(
        `Metrics are not served: could not listen on ${options.host}:${
          options.port
        } (${
          error.code ?? error
        }); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port, or OTEL_METRICS_EXPORTER=none`,
      ),
  );
}
