// The L4 node's disable file as the announce decision needs it: disabled or
// not, since when (the drain is timed from the moment the agent first saw the
// file), why, and when a written expiry will end it (the agent wakes then).
import type { DisableState } from '../../../tiers/l4/announce.js';
import { parseDisableFile, type DisableState as DisableFileState } from '../../../tiers/backend/index.js';
import { readMaintenanceFile } from '../../maintenance/index.js';
import { disableWithFleet, type FleetWord } from '../../../fleet/precedence.js';

export interface DisableReading {
  readonly disable: DisableState;
  /** What the status shows for the file. */
  readonly status: string;
  readonly warnings: readonly string[];
  /** A written expiry in the future: re-read then. */
  readonly expiresAt?: number;
}

/** Remembers when the node became disabled, across reads. */
export class DisableTracker {
  private since: number | undefined;

  constructor(private readonly file: string) {}

  /** The file, and where it is absent the fleet state in etcd (`word`): the file on the node wins. */
  async read(now: number, word?: FleetWord): Promise<DisableReading> {
    const decided = disableWithFleet(parseDisableFile(await readMaintenanceFile(this.file), new Date(now)), word);
    const reading = this.observe(decided.state, now);
    return decided.source === 'etcd' ? { ...reading, status: `${reading.status} by etcd (no disable file)` } : reading;
  }

  /** Pure given the tracker's memory: the parsed file at `now`. */
  observe(parsed: DisableFileState, now: number): DisableReading {
    switch (parsed.state) {
      case 'enabled':
        this.since = undefined;
        return { disable: { disabled: false }, status: 'enabled (no disable file)', warnings: [] };
      case 'expired':
        this.since = undefined;
        return { disable: { disabled: false }, status: parsed.status, warnings: [] };
      case 'disabled': {
        this.since ??= now;
        const reason = parsed.reason;
        const until = parsed.expires ? ` until ${parsed.expires.toISOString()}` : '';
        return {
          disable: { disabled: true, since: this.since, ...(reason !== undefined ? { reason } : {}) },
          status: `disabled since ${new Date(this.since).toISOString()}${until}`,
          warnings: parsed.warnings,
          ...(parsed.expires ? { expiresAt: parsed.expires.getTime() } : {}),
        };
      }
    }
  }
}
