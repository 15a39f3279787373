/** The hub's logger (pino): JSON lines on stderr so that stdout stays for command output. */
import { destination, pino, type Logger } from 'pino';

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { name: 'moisson' } }, destination(2));
}

/**
 * A warning written at most once per `everyMs` for each key (a service and an error code, say), carrying how
 * many were left out since the last one: an upstream that is down fails every request for it, thousands a
 * second, and one line with its stack for each would cost more than the requests.
 */
export function throttledWarn(logger: Logger, everyMs = 10_000): (key: string, obj: Record<string, unknown>, msg: string) => void {
  const seen = new Map<string, { until: number; left: number }>();
  return (key, obj, msg) => {
    const now = Date.now();
    const s = seen.get(key);
    if (s && now < s.until) {
      s.left += 1;
      return;
    }
    if (seen.size >= 10_000) seen.clear();
    seen.set(key, { until: now + everyMs, left: 0 });
    logger.warn(s?.left ? { ...obj, leftOut: s.left, leftOutSeconds: everyMs / 1000 } : obj, msg);
  };
}
