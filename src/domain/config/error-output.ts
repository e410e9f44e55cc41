import type { EndpointUri, KafkaReaderUri } from './uri.js';
import { writerOptionsOf } from './kafka-options.js';

/**
 * Where a consuming role's EventErrors go: its `--error-output`, else the topic
 * `eventlogging_EventError` on the cluster it reads, with its client settings (TLS, SASL).
 */
export function errorOutputOf(config: { readonly input: EndpointUri; readonly errorOutput?: EndpointUri | undefined }): EndpointUri {
  if (config.errorOutput) return config.errorOutput;
  const input = config.input as KafkaReaderUri;
  return { kind: 'kafka-writer', brokers: input.brokers, topic: 'eventlogging_EventError', params: {}, client: writerOptionsOf(input.client) };
}
