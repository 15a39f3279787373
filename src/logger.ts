/** The hub's logger (pino): JSON lines on stderr so that stdout stays for command output. */
import { destination, pino, type Logger } from 'pino';

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { name: 'moisson' } }, destination(2));
}
