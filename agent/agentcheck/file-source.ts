// Answers agent-checks from a file, read afresh on every check rather than
// cached behind a watcher: a check comes every agent-inter (1-2 s) per L7
// node, a bounded 4 KiB read is negligible next to that, and there is no
// cache that a missed inotify event (overlay or tmpfs quirks, the file
// replaced by rename) could leave stale. Chokidar stays for what needs a
// push — the agent's own plan loop — not for answering a pull.
import type { AgentDecision, AgentReply, AgentState, MaintenanceFileRead } from '../../tiers/backend/index.js';
import { decideAgentState, goodStateOf } from '../../tiers/backend/index.js';
import { readMaintenanceFile } from '../maintenance/index.js';
import type { AgentCheckLogger } from './server.js';

export interface AgentCheckSource {
  /** Reads the file, decides, and returns the line to send. Never throws. */
  read(): Promise<AgentReply>;
  /** The last decision, for the status endpoint; undefined before the first read. */
  current(): AgentDecision | undefined;
}

/**
 * `overlay` decides where the file leaves the answer open (the fleet state in
 * etcd, fleet/precedence.ts); it sees the file's decision, which wins when
 * the file is there.
 */
export function fileAgentCheckSource(
  path: string,
  logger: AgentCheckLogger,
  readFile: (path: string) => Promise<MaintenanceFileRead> = readMaintenanceFile,
  overlay: (d: AgentDecision) => AgentDecision = (d) => d,
): AgentCheckSource {
  let last: AgentDecision | undefined;
  let lastGood: AgentState | undefined;
  return {
    async read() {
      const fromFile = decideAgentState(await readFile(path), lastGood);
      lastGood = goodStateOf(fromFile, lastGood);
      const next = overlay(fromFile);
      // Logged on change only: a bad file would otherwise log on every check.
      if (last === undefined || changed(last, next)) report(logger, path, next);
      last = next;
      return next.reply;
    },
    current: () => last,
  };
}

const changed = (a: AgentDecision, b: AgentDecision): boolean =>
  a.reply !== b.reply || a.basis !== b.basis || a.warnings.join('\n') !== b.warnings.join('\n');

function report(logger: AgentCheckLogger, path: string, d: AgentDecision): void {
  const fields = { file: path, reply: d.reply.trimEnd(), basis: d.basis };
  if (d.warnings.length > 0) logger.warn({ ...fields, warnings: d.warnings }, 'agent-check file not fully understood');
  else logger.info(fields, 'agent-check answer changed');
}
