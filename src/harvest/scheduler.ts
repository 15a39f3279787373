/**
 * The harvest scheduler (DESIGN §2, issue #3 point 9). node-cron is only a tick; on each tick, every hub:
 *  1. creates the job of each (enabled source, cron slot) that fell due since its previous tick — the
 *     database's UNIQUE (source, slot) key makes several hubs on one PostgreSQL create each slot once;
 *  2. recovers jobs whose lease expired (their hub died): queued again or failed, their run closed;
 *  3. now and then, purges records withdrawn longer ago than the grace period, and old finished jobs;
 *  4. takes queued jobs (FOR UPDATE SKIP LOCKED) up to its concurrency and runs them under a lease.
 * On PGlite (one process) the same code runs; the claims are then trivially uncontended.
 * Manual harvests (`moisson harvest`, the admin API) still run directly, outside the job table.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { HarvestLogger } from '../../harvesters/types.ts';
import type { Db } from '../store/db.ts';
import { claimJob, enqueueJob, purgeJobs, recoverExpiredJobs, scheduledSources, type Job } from '../store/jobs.ts';
import { purgeWithdrawn } from '../store/records.ts';
import { runJob, type JobOutcome } from './jobs.ts';
import { dueSlot } from './schedule.ts';

const DAY = 86_400_000;

export interface SchedulerOptions {
  /** Who holds the leases (default host:pid:random): shown in jobs and in the error of a recovered run. */
  owner?: string;
  /** node-cron expression of the tick (default every 15 s). */
  tick?: string;
  /** Harvests this hub runs at once (default 2). */
  concurrency?: number;
  /** Lease length; the heartbeat renews it every third (default 2 min). */
  leaseMs?: number;
  /** Attempts of a job whose hub keeps dying before it is failed (default 3). */
  maxAttempts?: number;
  /** At start-up, slots this recent still run (a restart during a deployment does not skip the nightly harvest). */
  missedWindowMs?: number;
  /** Withdrawn records are purged after this grace period (default 30 days). */
  withdrawnGraceMs?: number;
  /** Finished jobs are deleted after this long (default 30 days). */
  jobRetentionMs?: number;
  /** Purges run at most this often per hub (default 1 h). */
  maintenanceEveryMs?: number;
  timezone?: string;
  now?: () => Date;
  log?: HarvestLogger;
  /** Told when a scheduled harvest has ended or withdrawn records were purged (the hub wakes its search indexer). */
  onChanged?: () => void;
}

export interface TickResult {
  enqueued: { sourceId: string; slot: Date }[];
  recovered: Job[];
  claimed: Job[];
  purged?: { records: number; jobs: number };
}

export interface Scheduler {
  readonly owner: string;
  /** Starts the node-cron tick. */
  start(): void;
  /** One tick now (the node-cron task calls it; tests and admin tools may too). */
  tick(): Promise<TickResult>;
  /** Resolves when this hub runs no job. */
  idle(): Promise<void>;
  /** Stops ticking, aborts running harvests (their jobs are queued again) and waits for them. */
  stop(): Promise<void>;
}

type Settings = Required<Omit<SchedulerOptions, 'log' | 'timezone' | 'onChanged'>> & Pick<SchedulerOptions, 'log' | 'timezone' | 'onChanged'>;

function settings(opts: SchedulerOptions): Settings {
  return {
    owner: opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    tick: opts.tick ?? '*/15 * * * * *',
    concurrency: opts.concurrency ?? 2,
    leaseMs: opts.leaseMs ?? 120_000,
    maxAttempts: opts.maxAttempts ?? 3,
    missedWindowMs: opts.missedWindowMs ?? 3_600_000,
    withdrawnGraceMs: opts.withdrawnGraceMs ?? 30 * DAY,
    jobRetentionMs: opts.jobRetentionMs ?? 30 * DAY,
    maintenanceEveryMs: opts.maintenanceEveryMs ?? 3_600_000,
    now: opts.now ?? (() => new Date()),
    log: opts.log,
    timezone: opts.timezone,
    onChanged: opts.onChanged,
  };
}

/** `SCHEDULER=off` (or false, 0, no) disables the scheduler of `moisson serve`; it runs by default. */
export function schedulerEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(off|false|0|no)$/i.test(env.SCHEDULER?.trim() ?? '');
}

/** Creates a scheduler on a store; nothing happens before start() or tick(). */
export function createScheduler(db: Db, options: SchedulerOptions = {}): Scheduler {
  const s = settings(options);
  const running = new Map<number, Promise<JobOutcome>>();
  const stopping = new AbortController();
  let lastTick: Date | null = null;
  let lastMaintenance: Date | null = null;
  let task: ScheduledTask | null = null;
  let ticking: Promise<TickResult> | null = null;

  async function enqueueDue(now: Date): Promise<TickResult['enqueued']> {
    const after = lastTick ?? new Date(now.getTime() - s.missedWindowMs);
    lastTick = now;
    const enqueued: TickResult['enqueued'] = [];
    for (const src of await scheduledSources(db)) {
      let slot: Date | null;
      try {
        slot = dueSlot(src.schedule, after, now, s.timezone);
      } catch (err) {
        s.log?.warn({ err, source: src.id, schedule: src.schedule }, 'invalid schedule, source not scheduled');
        continue;
      }
      if (slot && (await enqueueJob(db, src.id, slot)) !== null) enqueued.push({ sourceId: src.id, slot });
    }
    return enqueued;
  }

  async function maintenance(now: Date): Promise<TickResult['purged']> {
    if (lastMaintenance && now.getTime() - lastMaintenance.getTime() < s.maintenanceEveryMs) return undefined;
    lastMaintenance = now;
    const records = await purgeWithdrawn(db, new Date(now.getTime() - s.withdrawnGraceMs));
    const jobs = await purgeJobs(db, new Date(now.getTime() - s.jobRetentionMs));
    if (records > 0) {
      s.log?.info({ records }, 'withdrawn records purged after their grace period');
      s.onChanged?.();
    }
    return { records, jobs };
  }

  /** Takes jobs while this hub has room; each finished job makes room for the next without waiting a tick. */
  async function fill(): Promise<Job[]> {
    const claimed: Job[] = [];
    while (!stopping.signal.aborted && running.size < s.concurrency) {
      const now = s.now();
      const job = await claimJob(db, s.owner, new Date(now.getTime() + s.leaseMs), now);
      if (!job) break;
      claimed.push(job);
      const done = runJob(db, job, { owner: s.owner, leaseMs: s.leaseMs, now: s.now, stopping: stopping.signal, log: s.log })
        .then((outcome) => {
          s.log?.info({ job: job.id, source: job.sourceId, status: outcome.status }, 'scheduled harvest ended');
          s.onChanged?.();
          return outcome;
        })
        .finally(() => {
          running.delete(job.id);
          if (!stopping.signal.aborted) fill().catch((err: unknown) => s.log?.error({ err }, 'taking the next job failed'));
        });
      running.set(job.id, done);
    }
    return claimed;
  }

  async function tickOnce(): Promise<TickResult> {
    const now = s.now();
    const enqueued = await enqueueDue(now);
    const recovered = await recoverExpiredJobs(db, now, s.maxAttempts);
    for (const job of recovered) s.log?.warn({ job: job.id, source: job.sourceId, status: job.status }, job.error ?? 'job recovered');
    const purged = await maintenance(now);
    const claimed = await fill();
    return { enqueued, recovered, claimed, ...(purged ? { purged } : {}) };
  }

  const scheduler: Scheduler = {
    owner: s.owner,
    start() {
      if (task || stopping.signal.aborted) return;
      task = cron.schedule(s.tick, () => {
        scheduler.tick().catch((err: unknown) => s.log?.error({ err }, 'scheduler tick failed'));
      }, { name: `moisson-scheduler-${s.owner}`, noOverlap: true });
    },
    async tick() {
      if (stopping.signal.aborted) return { enqueued: [], recovered: [], claimed: [] };
      // Ticks never overlap: a slow one (a big purge) makes the next one wait for it.
      while (ticking) await ticking.catch(() => undefined);
      ticking = tickOnce();
      try {
        return await ticking;
      } finally {
        ticking = null;
      }
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    async stop() {
      stopping.abort();
      await task?.destroy();
      task = null;
      await ticking?.catch(() => undefined);
      await scheduler.idle();
    },
  };
  return scheduler;
}
