/**
 * `eventlogging offsets show|reset`: the runbook's offset-reset script as a command. It reads the
 * group's committed offsets and the log edges, computes the targets (pure, in
 * `domain/offset-targets`), shows the `dt` of the event at each target, and commits only with
 * `execute` and only while the group has no live member (a live consumer would overwrite the
 * reset with its next commit).
 */
import { RdKafka, type KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ElError } from '../domain/errors.js';
import { computeOffsetTargets, eventDt, partitionLag, type OffsetTargetSpec, type PartitionOffsets } from '../domain/kafka/offset-targets.js';
import { commitGroupOffsets } from '../adapters/kafka/kafka-admin.js';
import { createKafka, type KafkaEndpoint } from '../adapters/kafka/kafka-client.js';
import { classifyError } from '../supervision/classify-error.js';
import { readAtOffsets } from './read-at-offsets.js';

/** Group states in which no consumer holds partitions, so offsets may be reset. */
const IDLE_STATES = new Set(['Empty', 'Dead']);

/** The coordinator's names of group states (what `kafka-consumer-groups --describe` prints). */
const S = RdKafka.ConsumerGroupStates;
const STATE_NAMES: Readonly<Record<number, string>> = {
  [S.UNKNOWN]: 'Unknown',
  [S.PREPARING_REBALANCE]: 'PreparingRebalance',
  [S.COMPLETING_REBALANCE]: 'CompletingRebalance',
  [S.STABLE]: 'Stable',
  [S.DEAD]: 'Dead',
  [S.EMPTY]: 'Empty',
};

/** The group as the coordinator describes it. */
export interface GroupState {
  readonly state: string;
  readonly members: number;
}

/** One partition in a report. */
export interface PartitionReport {
  readonly partition: number;
  /** -1 when the group has no committed offset. */
  readonly committed: number;
  readonly logStart: number;
  readonly logEnd: number;
  readonly lag: number;
  /** show: where the group resumes (committed, else log start); reset: the target. */
  readonly target: number;
  /** Whether the asked-for target was outside the log (reset only). */
  readonly clamped: boolean;
  /** `dt` of the event at `target`; null when there is none (log end, or no dt in the event). */
  readonly dt: string | null;
}

/** What `offsets show|reset` prints. */
export interface OffsetsReport {
  readonly action: 'show' | 'reset';
  readonly group: string;
  readonly topic: string;
  readonly state: string;
  readonly members: number;
  /** reset: true once the targets were committed. */
  readonly executed: boolean;
  /** reset refused because the group has live members. */
  readonly refused: boolean;
  readonly partitions: readonly PartitionReport[];
}

/** Throws `EL_CONFIG_INVALID` when the topic does not exist (reading it would only time out, obscurely). */
export async function assertTopicExists(kafka: KafkaJS.Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new ElError('EL_CONFIG_INVALID', `topic '${topic}' does not exist on these brokers`);
  } finally {
    await admin.disconnect();
  }
}

/** Describes the consumer group (state and member count); a group the coordinator does not know is `Dead`. */
async function describeGroup(kafka: KafkaJS.Kafka, group: string): Promise<GroupState> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    if (g === undefined || g.error?.code === RdKafka.CODES.ERRORS.ERR_GROUP_ID_NOT_FOUND) return { state: 'Dead', members: 0 };
    if (g.error) throw classifyError(g.error, 'kafka');
    return { state: STATE_NAMES[g.state] ?? 'Unknown', members: g.members.length };
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets and log edges of every partition of `topic` for `group`. */
async function fetchPartitionOffsets(kafka: KafkaJS.Kafka, group: string, topic: string): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [edges, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
    ]);
    // Partitions without a commit are absent, or carry a negative offset (librdkafka's "invalid").
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(-1, Number(p.offset))]));
    return edges.map((e) => ({ partition: e.partition, committed: byPartition.get(e.partition) ?? -1, low: Number(e.low), high: Number(e.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** The broker's first offset at or after `timestampMs`, per partition (the log end where there is none). */
async function offsetsForTimestamp(kafka: KafkaJS.Kafka, topic: string, timestampMs: number): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const answer = await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
    return new Map(answer.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** What {@link runOffsets} needs. */
export interface OffsetsRequest {
  /** The cluster (the commit of a reset needs its own client, so the endpoint, not a client). */
  readonly endpoint: KafkaEndpoint;
  readonly logger: Logger;
  readonly group: string;
  readonly topic: string;
  /** Absent: show. */
  readonly reset?: { readonly spec: OffsetTargetSpec | { readonly kind: 'datetime'; readonly timestampMs: number }; readonly execute: boolean };
  /** How long to wait for the message at a target (default 15 s). */
  readonly peekTimeoutMs?: number;
}

async function withDts(kafka: KafkaJS.Kafka, topic: string, rows: Array<Omit<PartitionReport, 'dt'>>, timeoutMs: number | undefined): Promise<PartitionReport[]> {
  const messages = await readAtOffsets(kafka, topic, rows.map((r) => ({ partition: r.partition, offset: r.target, high: r.logEnd })), timeoutMs);
  return rows.map((r) => {
    const m = messages.get(r.partition);
    return { ...r, dt: m === undefined ? null : eventDt(m.value) ?? null };
  });
}

/**
 * Shows the group's position, or plans (and with `execute`, commits) a reset. A reset while the
 * group has live members is refused (`refused: true`, nothing read or committed).
 */
export async function runOffsets(request: OffsetsRequest): Promise<OffsetsReport> {
  const { endpoint, logger, group, topic, reset } = request;
  const kafka = createKafka(endpoint, logger);
  await assertTopicExists(kafka, topic);
  const groupState = await describeGroup(kafka, group);
  const base = { group, topic, state: groupState.state, members: groupState.members };
  const partitions = await fetchPartitionOffsets(kafka, group, topic);
  if (reset === undefined) {
    const rows = partitions.map((p) => ({
      partition: p.partition, committed: p.committed, logStart: p.low, logEnd: p.high, lag: partitionLag(p),
      target: p.committed >= 0 ? p.committed : p.low, clamped: false,
    }));
    return { action: 'show', ...base, executed: false, refused: false, partitions: await withDts(kafka, topic, rows, request.peekTimeoutMs) };
  }
  const live = !IDLE_STATES.has(groupState.state);
  const spec: OffsetTargetSpec = reset.spec.kind === 'datetime'
    ? { kind: 'timestamp', offsets: await offsetsForTimestamp(kafka, topic, reset.spec.timestampMs) }
    : reset.spec;
  const targets = computeOffsetTargets(partitions, spec);
  const rows = targets.map((t) => ({
    partition: t.partition, committed: t.current, logStart: t.low, logEnd: t.high,
    lag: partitionLag({ partition: t.partition, committed: t.current, low: t.low, high: t.high }), target: t.target, clamped: t.clamped,
  }));
  if (live) return { action: 'reset', ...base, executed: false, refused: true, partitions: rows.map((r) => ({ ...r, dt: null })) };
  const report = await withDts(kafka, topic, rows, request.peekTimeoutMs);
  if (!reset.execute || targets.length === 0) return { action: 'reset', ...base, executed: false, refused: false, partitions: report };
  await commitGroupOffsets(endpoint, group, targets.map((t) => ({ topic, partition: t.partition, offset: t.target })), logger);
  // Read the commits back, as the runbook script did, so the operator sees what the broker holds.
  const after = new Map((await fetchPartitionOffsets(kafka, group, topic)).map((p) => [p.partition, p]));
  return {
    action: 'reset', ...base, executed: true, refused: false,
    partitions: report.map((r) => {
      const p = after.get(r.partition);
      return p === undefined ? r : { ...r, committed: p.committed, lag: partitionLag(p) };
    }),
  };
}

function cell(value: number): string {
  return value < 0 ? '-' : String(value);
}

/** Formats a report as the aligned table operators read. */
export function formatOffsetsReport(report: OffsetsReport): string {
  const head = `group ${report.group}, topic ${report.topic}: state ${report.state}, ${report.members} member(s)`;
  if (report.refused) {
    return `${head}\nrefusing to reset offsets: the group has live members (state ${report.state}). `
      + 'Stop its consumers first (systemctl stop eventlogging, or SIGTERM the daemon), then run this again.\n';
  }
  const resetting = report.action === 'reset';
  const header = resetting
    ? ['partition', report.executed ? 'committed-now' : 'current', 'target', 'log-start', 'log-end', 'dt-at-target']
    : ['partition', 'committed', 'log-start', 'log-end', 'lag', 'dt-at-committed'];
  const rows = report.partitions.map((p) => resetting
    ? [String(p.partition), cell(p.committed), `${p.target}${p.clamped ? '*' : ''}`, String(p.logStart), String(p.logEnd), p.dt ?? '-']
    : [String(p.partition), cell(p.committed), String(p.logStart), String(p.logEnd), String(p.lag), p.dt ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [head, line(header), ...rows.map(line)];
  if (resetting) {
    if (report.partitions.some((p) => p.clamped)) out.push('* asked-for offset was outside the log; moved to its edge');
    out.push(report.executed
      ? `committed ${report.partitions.length} offset(s) for group ${report.group}; restart its consumers.`
      : 'dry run: nothing committed. Add --execute to commit these offsets.');
  }
  return `${out.join('\n')}\n`;
}
