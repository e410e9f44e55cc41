import { createActor, fromPromise, toPromise } from 'xstate';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import { ROLE_KINDS, type RoleKind, type RoleSpec } from '../domain/config/role-config.js';
import { ElError } from '../domain/errors.js';
import { daemonMachine } from '../supervision/daemon.machine.js';
import { buildAdmin } from '../adapters/http/admin.js';
import { metricTotals } from '../observability/metric-totals.js';
import type { Role, RoleFactory } from './role.js';
// lag monitor hook (supervision/lag-monitor)
import type { LagMonitor } from '../supervision/lag-monitor.js';
import { burrowApiRoutes } from '../adapters/http/burrow-api.js';
import { createStallWatchdog, withStallWatchdog } from '../supervision/stall-watchdog.js';

/** Everything a daemon is made of, injected. */
export interface DaemonOptions {
  readonly specs: readonly RoleSpec[];
  readonly factories: Partial<Record<RoleKind, RoleFactory>>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly admin: { readonly host: string; readonly port: number };
  readonly adminRoutes?: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Judges every consuming role's commits with the Burrow rules; serves /v3/kafka/... and adds lag to /status. */
  readonly lagMonitor?: LagMonitor;
  /**
   * Restarts a partition actor that stays STOP/STALL with lag for `graceMs` (default 60 s),
   * judged by `lagMonitor`; `false` turns it off. Needs `lagMonitor`.
   */
  readonly stallRestart?: false | { readonly graceMs?: number; readonly checkEveryMs?: number };
}

/** A running daemon. */
export interface Daemon {
  /** Resolves with the exit code once every role has drained. */
  readonly done: Promise<{ exitCode: number; reason: string | undefined }>;
  /** The admin server's bound address (port 0 picks a free one). */
  readonly adminAddress: () => string | undefined;
  stop(reason: string): void;
  status(): unknown;
  /**
   * Replaces the running roles with `specs` (SIGHUP): roles that vanished are drained and stopped,
   * new ones started, changed ones (different parsed configuration) restarted; the rest keep
   * running untouched. Reloads run one at a time; a reload after stop is refused.
   */
  reload(specs: readonly RoleSpec[]): Promise<ReloadResult>;
}

/** What one reload did, as `kind/name` role keys. */
export interface ReloadResult {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
  /** New or changed roles whose start failed on reload (left out; the others keep running). */
  readonly failed?: readonly string[];
}

function consumerGroupOf(spec: RoleSpec | undefined): string | undefined {
  const input = spec && 'input' in spec.config ? spec.config.input : undefined;
  return input?.kind === 'kafka-reader' ? input.identity : undefined;
}

const roleKey = (spec: Pick<RoleSpec, 'kind' | 'name'>): string => `${spec.kind}/${spec.name}`;

/**
 * Splits a reload into added, removed, changed and unchanged roles. A role is changed when its
 * parsed configuration differs (what the file says, after argument-file expansion), so a comment
 * or blank-line edit does not restart it.
 */
export function diffRoleSpecs(current: readonly RoleSpec[], next: readonly RoleSpec[]): ReloadResult {
  const before = new Map(current.map((s) => [roleKey(s), s]));
  const after = new Map(next.map((s) => [roleKey(s), s]));
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const [key, spec] of after) {
    const old = before.get(key);
    if (!old) added.push(key);
    else if (JSON.stringify(old.config) !== JSON.stringify(spec.config)) changed.push(key);
    else unchanged.push(key);
  }
  const removed = [...before.keys()].filter((key) => !after.has(key));
  return { added, removed, changed, unchanged };
}

/**
 * Start order by kind (every kind must have one): sinks first, the intake last, so nothing is
 * accepted before there is somewhere for it to go.
 */
const START_ORDER: Readonly<Record<RoleKind, number>> = { lakes: 0, consumers: 1, processors: 2, intakes: 3 };

/**
 * Starts the roles of `specs` under the daemon supervisor and serves the admin API. Roles start in
 * order sinks (lakes, consumers) → processors → intakes and stop in the reverse order, so that no stage is
 * fed by one that is still running after it stopped.
 */
export async function startDaemon(daemonOptions: DaemonOptions): Promise<Daemon> {
  const { logger, registry } = daemonOptions;
  const stall = daemonOptions.stallRestart;
  const options: DaemonOptions = daemonOptions.lagMonitor && stall !== false ? {
    ...daemonOptions,
    lagMonitor: withStallWatchdog(daemonOptions.lagMonitor, createStallWatchdog({
      ...(stall?.graceMs !== undefined ? { graceMs: stall.graceMs } : {}),
      ...(stall?.checkEveryMs !== undefined ? { checkEveryMs: stall.checkEveryMs } : {}),
      now: Date.now, registry, logger: logger.child({ component: 'stall-watchdog' }),
    })),
  } : daemonOptions;
  const order: RoleKind[] = [...ROLE_KINDS].sort((a, b) => START_ORDER[a] - START_ORDER[b]);
  const roles: Role[] = [];
  const startedAt = new Date().toISOString();

  const roleUp = new Gauge({
    name: 'eventlogging_role_healthy_ratio',
    help: 'Whether each configured role is healthy (1) or not (0).',
    labelNames: ['kind', 'name'],
    registers: [registry],
    collect() {
      for (const role of roles) {
        const s = role.status();
        this.set({ kind: role.spec.kind, name: role.spec.name }, s.healthy ? 1 : 0);
      }
    },
  });
  void roleUp;

  let actorRef: ReturnType<typeof createActor<typeof daemonMachine>> | undefined;
  const makeRole = (spec: RoleSpec): Role => {
    const factory = options.factories[spec.kind];
    if (!factory) throw new ElError('EL_CONFIG_INVALID', `${spec.file}: role kind '${spec.kind}' is not available in this build`);
    return factory(spec, {
      logger: logger.child({ role: roleKey(spec) }),
      registry,
      onFatal: (error) => actorRef?.send({ type: 'role.fatal', role: roleKey(spec), message: error.message }),
      ...(options.lagMonitor ? { lagMonitor: options.lagMonitor.hookFor(roleKey(spec)) } : {}),
    });
  };
  const byStartOrder = (a: Role, b: Role): number => order.indexOf(a.spec.kind) - order.indexOf(b.spec.kind);
  for (const kind of order) {
    for (const spec of options.specs.filter((s) => s.kind === kind)) roles.push(makeRole(spec));
  }
  // Reloads are serialised, and the drain at stop waits for the one in progress, so a role
  // started by a reload is never left running behind a stopped daemon.
  let reloading: Promise<unknown> = Promise.resolve();
  let stopping = false;

  const status = () => ({
    startedAt,
    state: actorRef?.getSnapshot().value,
    roles: roles.map((r) => {
      const lag = options.lagMonitor?.roleView(`${r.spec.kind}/${r.spec.name}`);
      return lag ? { ...r.status(), lag } : r.status();
    }),
  });
  const app = buildAdmin({
    registry,
    status,
    totals: () => metricTotals(registry),
    healthy: () => actorRef?.getSnapshot().value !== 'stopped' && roles.every((r) => r.status().healthy),
    ready: () => {
      const reasons = roles.map((r) => r.status()).filter((s) => !s.ready)
        .map((s) => `${s.kind}/${s.name}: ${s.state}${s.problem ? ` (${s.problem})` : ''}`);
      return { ready: reasons.length === 0 && actorRef?.getSnapshot().value === 'running', reasons };
    },
    routes: [...(options.adminRoutes ?? []), ...(options.lagMonitor ? [burrowApiRoutes(options.lagMonitor)] : [])],
  });
  await app.listen({ host: options.admin.host, port: options.admin.port });
  const address = app.server.address();
  const adminAddress = () => (address && typeof address === 'object' ? `${address.address}:${address.port}` : undefined);
  logger.info({ admin: adminAddress(), roles: roles.map((r) => `${r.spec.kind}/${r.spec.name}`) }, 'daemon starting');

  const machine = daemonMachine.provide({
    actors: {
      startRoles: fromPromise(async () => {
        for (const role of roles) await role.start();
        options.lagMonitor?.start();
      }),
      stopRoles: fromPromise(async () => {
        stopping = true;
        await reloading.catch(() => undefined);
        const failures: unknown[] = [];
        for (const role of [...roles].reverse()) {
          try {
            await role.stop();
          } catch (error) {
            failures.push(error);
            logger.error({ err: error, role: role.spec.name }, 'role did not drain cleanly');
          }
        }
        await options.lagMonitor?.stop().catch((error: unknown) => logger.warn({ err: error }, 'lag monitor did not stop cleanly'));
        await app.close();
        if (failures.length) throw new AggregateError(failures, 'some roles did not drain cleanly');
      }),
    },
  });
  actorRef = createActor(machine, { input: { roleCount: roles.length } });
  // The root actor's error observer: an unexpected machine error must not leave a half-alive daemon.
  actorRef.subscribe({
    next: (snapshot) => logger.debug({ state: snapshot.value }, 'daemon state'),
    error: (error) => {
      logger.fatal({ err: error }, 'daemon supervisor crashed; exiting');
      process.exitCode = 70;
      void app.close().finally(() => process.exit(70));
    },
  });
  actorRef.start();
  const done = toPromise(actorRef).then((output) => {
    logger.info(output, 'daemon stopped');
    return output;
  });
  const reloadNow = async (specs: readonly RoleSpec[]): Promise<ReloadResult> => {
    if (stopping || actorRef?.getSnapshot().value !== 'running') {
      throw new ElError('EL_USAGE', `cannot reload while the daemon is ${String(actorRef?.getSnapshot().value)}`);
    }
    const diff = diffRoleSpecs(roles.map((r) => r.spec), specs);
    const restart = new Set([...diff.removed, ...diff.changed]);
    const nextByKey = new Map(specs.map((s) => [roleKey(s), s]));
    // Build the new roles first: a factory that throws leaves every running role untouched.
    const fresh = [...diff.added, ...diff.changed].map((key) => makeRole(nextByKey.get(key)!));
    // Stop in reverse start order (intakes before processors before consumers), as at shutdown.
    const removedSpecs = new Map(roles.filter((r) => diff.removed.includes(roleKey(r.spec))).map((r) => [roleKey(r.spec), r.spec]));
    for (const role of roles.filter((r) => restart.has(roleKey(r.spec))).sort(byStartOrder).reverse()) {
      try {
        await role.stop();
      } catch (error) {
        logger.error({ err: error, role: roleKey(role.spec) }, 'role did not drain cleanly on reload');
      }
      roles.splice(roles.indexOf(role), 1);
    }
    // A removed role's group stops committing; without this the lag monitor would call it stalled.
    const groupsInUse = new Set(specs.map(consumerGroupOf).filter((g) => g !== undefined));
    for (const key of diff.removed) {
      const group = consumerGroupOf(roles.find((r) => roleKey(r.spec) === key)?.spec ?? removedSpecs.get(key));
      if (group !== undefined && !groupsInUse.has(group)) options.lagMonitor?.forgetGroup(group);
    }
    const failed: string[] = [];
    for (const role of fresh.sort(byStartOrder)) {
      roles.push(role);
      roles.sort(byStartOrder);
      try {
        await role.start();
      } catch (error) {
        // One bad new role must not take the working ones down: report it and leave it out.
        failed.push(roleKey(role.spec));
        logger.error({ err: error, role: roleKey(role.spec) }, 'role failed to start on reload; left out');
        roles.splice(roles.indexOf(role), 1);
        await role.stop().catch(() => undefined);
      }
    }
    logger.info({ added: diff.added, removed: diff.removed, changed: diff.changed, unchanged: diff.unchanged.length, failed }, 'daemon reloaded');
    return { ...diff, failed };
  };
  return {
    done,
    adminAddress,
    stop: (reason) => actorRef?.send({ type: 'daemon.stop', reason }),
    status,
    reload: (specs) => {
      const result = reloading.catch(() => undefined).then(() => reloadNow(specs));
      reloading = result;
      return result;
    },
  };
}
