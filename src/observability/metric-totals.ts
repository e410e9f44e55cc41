import type { Registry } from 'prom-client';

/** The counters the console turns into rates, by the name it shows them under. */
export const CONSOLE_TOTALS = {
  beaconsReceived: 'eventlogging_intake_beacons_received_total',
  requestsRejected: 'eventlogging_intake_rejected_requests_total',
  eventsProcessed: 'eventlogging_processor_raw_events_total',
  messagesProduced: 'eventlogging_processor_produced_messages_total',
  eventErrors: 'eventlogging_processor_errors_total',
  rowsInserted: 'eventlogging_mysql_rows_inserted_total',
} as const;

/**
 * Each counter's value summed over its labels, or null when no role of this process registered it
 * (the console then leaves the rate out instead of showing a false zero).
 */
export async function metricTotals(registry: Registry, names: Readonly<Record<string, string>> = CONSOLE_TOTALS): Promise<Record<string, number | null>> {
  const totals: Record<string, number | null> = {};
  for (const [label, name] of Object.entries(names)) {
    const metric = registry.getSingleMetric(name);
    if (!metric) {
      totals[label] = null;
      continue;
    }
    const { values } = await metric.get();
    totals[label] = values.reduce((sum, v) => sum + v.value, 0);
  }
  return totals;
}
