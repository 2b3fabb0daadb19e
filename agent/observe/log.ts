// Structured logs: one pino logger per agent, a child per component, every
// decision logged with its reason as data rather than prose.
import { pino, destination as toFd, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(node: string, level = process.env.TIERLB_LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino({ level, base: { node }, timestamp: stdTimeFunctions.isoTime }, destination ?? toFd(1));
}
