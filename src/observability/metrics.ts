import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Creates the daemon's one metrics registry, with process metrics. Components get it injected
 * and register their own metrics on it; nothing uses prom-client's global registry.
 */
export function createRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: 'eventlogging_' });
    for (const metric of defaults.getMetricsAsArray()) {
      // prom-client's nodejs_active_{handles,requests,resources}_total are gauges, and a gauge
      // named *_total fails `promtool check metrics`; leave those out.
      if (/_active_\w+_total$/.test((metric as unknown as { name: string }).name)) continue;
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    }
  }
  return registry;
}

/**
 * Returns the metric named `name` from `registry` if a component already registered it, else
 * creates it. Several roles of one daemon share a metric and tell themselves apart by label.
 */
export function metricOnce<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export { Registry };
