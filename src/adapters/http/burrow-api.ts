import { hostname as osHostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commit } from '../../domain/burrow/partition-status.js';
import type { LagGroupReport, LagMonitor, LagPartitionReport } from '../../supervision/lag-monitor.js';

/** What the Burrow API reads from the lag monitor. */
export type BurrowApiMonitor = Pick<LagMonitor, 'cluster' | 'groups' | 'groupStatus' | 'forgetGroup'>;

/** Burrow 1.x `ConsumerOffset`: `lag` is null when no broker head was known at commit time. */
interface BurrowOffset {
  offset: number;
  timestamp: number;
  lag: number | null;
}

/** Burrow 1.x `PartitionStatus`. */
interface BurrowPartition {
  topic: string;
  partition: number;
  owner: string;
  client_id: string;
  status: string;
  start: BurrowOffset | null;
  end: BurrowOffset | null;
  current_lag: number;
  complete: number;
}

const offset = (c: Commit | null): BurrowOffset | null => (c === null ? null : { offset: c.offset, timestamp: c.timestamp, lag: c.lag });

const partitionJson = (p: LagPartitionReport): BurrowPartition => ({
  topic: p.topic,
  partition: p.partition,
  owner: p.owner,
  client_id: p.clientId,
  status: p.status,
  start: offset(p.start),
  end: offset(p.end),
  current_lag: p.currentLag,
  complete: p.complete,
});

/**
 * Burrow 1.x `ConsumerGroupStatus` JSON. `/status` lists only partitions that are not OK,
 * `/lag` all of them (Burrow's `ShowAll`); `maxlag`, `partition_count` and `totallag` always
 * cover every partition. An unknown group is NOTFOUND with `complete` 1, as Burrow answers.
 */
function statusJson(cluster: string, group: string, report: LagGroupReport | null, showAll: boolean) {
  if (report === null) {
    return { cluster, group, status: 'NOTFOUND', complete: 1, partitions: [], partition_count: 0, maxlag: null, totallag: 0 };
  }
  return {
    cluster,
    group,
    status: report.status,
    complete: report.complete,
    partitions: report.partitions.filter((p) => showAll || p.status !== 'OK').map(partitionJson),
    partition_count: report.totalPartitions,
    maxlag: report.maxLag === null ? null : partitionJson(report.maxLag),
    totallag: report.totalLag,
  };
}

type Params = { cluster?: string; group?: string };

/**
 * Registers the Burrow-compatible lag API (v3, the subset dashboards and alerting scripts use) on
 * the admin app: `GET /v3/kafka`, `GET /v3/kafka/:cluster/consumer`,
 * `GET /v3/kafka/:cluster/consumer/:group/status|lag`, `DELETE /v3/kafka/:cluster/consumer/:group`.
 * Envelopes and field names are Burrow 1.x's (`error`, `message`, `request: {url, host}`).
 * Status lookups of an unknown cluster or group answer 404 with a NOTFOUND status, as Burrow does;
 * the other routes answer 404 with Burrow's error envelope. Unlike Burrow, DELETE of an unknown
 * group is a 404, so a mistyped group name in the runbook's reset step is visible.
 */
export function burrowApiRoutes(monitor: BurrowApiMonitor, options: { hostname?: string } = {}): (app: FastifyInstance) => void {
  const host = options.hostname ?? osHostname();
  const request = (req: FastifyRequest) => ({ url: req.url.split('?')[0] ?? req.url, host });
  const notFound = (req: FastifyRequest, reply: FastifyReply, message: string) => {
    reply.code(404);
    return { error: true, message, request: request(req) };
  };

  return (app) => {
    app.get('/v3/kafka', async (req) => ({
      error: false, message: 'cluster list returned', clusters: [monitor.cluster], request: request(req),
    }));

    app.get<{ Params: Params }>('/v3/kafka/:cluster/consumer', async (req, reply) => {
      if (req.params.cluster !== monitor.cluster) return notFound(req, reply, 'cluster not found');
      return { error: false, message: 'consumer list returned', consumers: [...monitor.groups()], request: request(req) };
    });

    for (const [suffix, showAll] of [['status', false], ['lag', true]] as const) {
      app.get<{ Params: Params }>(`/v3/kafka/:cluster/consumer/:group/${suffix}`, async (req, reply) => {
        const cluster = req.params.cluster ?? '';
        const group = req.params.group ?? '';
        const report = cluster === monitor.cluster ? monitor.groupStatus(group) : null;
        if (report === null) reply.code(404);
        return { error: false, message: 'consumer status returned', status: statusJson(cluster, group, report, showAll), request: request(req) };
      });
    }

    app.delete<{ Params: Params }>('/v3/kafka/:cluster/consumer/:group', async (req, reply) => {
      if (req.params.cluster !== monitor.cluster) return notFound(req, reply, 'cluster not found');
      if (!monitor.forgetGroup(req.params.group ?? '')) return notFound(req, reply, 'cluster or consumer not found');
      return { error: false, message: 'consumer group removed', request: request(req) };
    });
  };
}
