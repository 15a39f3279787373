/**
 * Runs one claimed harvest job (DESIGN §6 "Durable jobs"): the harvest itself is the ordinary run
 * (runHarvest); around it, a heartbeat renews the job's lease, and the job ends with the run's outcome. A hub
 * that stops hands its jobs back (queued, to be resumed by the next hub); a hub that loses its lease (it stalled
 * long enough for another hub to recover the job) aborts its harvest instead of racing the new owner.
 */
import type { HarvestLogger } from '../../harvesters/types.ts';
import type { Db } from '../store/db.ts';
import { finishJob, renewLease, setJobRun, type Job } from '../store/jobs.ts';
import { getSource } from '../store/sources.ts';
import { runHarvest, type RunReport } from './run.ts';

export interface JobRunOptions {
  owner: string;
  leaseMs: number;
  now: () => Date;
  /** Aborted when the hub stops: the harvest ends early and the job is queued again. */
  stopping: AbortSignal;
  log?: HarvestLogger;
}

export type JobOutcome =
  | { status: 'done' | 'failed'; report?: RunReport; error?: string }
  | { status: 'cancelled' | 'requeued' | 'lost'; report?: RunReport; error?: string };

/** Renews the lease every third of its length; aborts `harvest` when the job is no longer ours. */
function heartbeat(db: Db, job: Job, opts: JobRunOptions, harvest: AbortController): { stop: () => void; lost: () => boolean } {
  let lost = false;
  const beat = async () => {
    try {
      if (await renewLease(db, job.id, opts.owner, new Date(opts.now().getTime() + opts.leaseMs))) return;
      lost = true;
      harvest.abort(new Error(`lease of job ${job.id} lost`));
    } catch (err) {
      // A transient store error: the next beat retries; if they all fail the lease expires and another hub recovers.
      opts.log?.warn({ err, job: job.id }, 'lease renewal failed');
    }
  };
  const timer = setInterval(() => void beat(), Math.max(50, Math.floor(opts.leaseMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer), lost: () => lost };
}

/** Runs the job to its end; never throws (a failure is the job's status). */
export async function runJob(db: Db, job: Job, opts: JobRunOptions): Promise<JobOutcome> {
  const end = (status: 'done' | 'failed' | 'cancelled' | 'queued', error?: string) =>
    finishJob(db, job.id, opts.owner, { status, error: error ?? null, at: opts.now() });
  const source = await getSource(db, job.sourceId).catch(() => null);
  if (!source?.enabled) {
    await end('cancelled', source ? 'source disabled' : 'source not found').catch(() => {});
    return { status: 'cancelled' };
  }
  const harvest = new AbortController();
  const onStop = () => harvest.abort(new Error('hub stopping'));
  opts.stopping.addEventListener('abort', onStop, { once: true });
  const beat = heartbeat(db, job, opts, harvest);
  try {
    const report = await runHarvest(db, source, {
      signal: harvest.signal,
      log: opts.log,
      onRunStart: (runId) => setJobRun(db, job.id, opts.owner, runId),
    });
    return await settle(report, beat.lost(), opts.stopping.aborted, end);
  } catch (err) {
    const error = `harvest could not run: ${(err as Error).message}`;
    opts.log?.error({ err, job: job.id, source: job.sourceId }, 'scheduled harvest failed');
    await end('failed', error).catch(() => {});
    return { status: 'failed', error };
  } finally {
    beat.stop();
    opts.stopping.removeEventListener('abort', onStop);
  }
}

async function settle(
  report: RunReport, lost: boolean, stopping: boolean,
  end: (status: 'done' | 'failed' | 'queued', error?: string) => Promise<boolean>,
): Promise<JobOutcome> {
  // Another hub owns the job now: it closed our run and will run the job again; writing anything would race it.
  if (lost) return { status: 'lost', report };
  if (stopping && report.status !== 'succeeded') {
    await end('queued', `interrupted by a hub stop (run ${report.runId}); queued again`);
    return { status: 'requeued', report };
  }
  const status = report.status === 'failed' ? 'failed' : 'done';
  await end(status, report.error);
  return { status, report, ...(report.error ? { error: report.error } : {}) };
}
