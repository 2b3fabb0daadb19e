// Reads back the VIP state file an earlier agent run left, so a restarted
// agent starts from what gdnsd is answering instead of "everything up". The
// file is on disk where anybody may have edited it: lines that are not
// `ADDRESS => UP|DOWN[/TTL]` are skipped and counted, never trusted.
export interface PreviousStates {
  /** Address text as written, to UP (true) or DOWN (false). */
  readonly vipUp: ReadonlyMap<string, boolean>;
  readonly skipped: number;
}

const LINE = /^([0-9A-Fa-f.:]+)\s*=>\s*(UP|DOWN)(?:\/\d+)?\s*$/;

export function parseDnsState(text: string): PreviousStates {
  const vipUp = new Map<string, boolean>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m?.[1] || !m[2]) {
      skipped++;
      continue;
    }
    vipUp.set(m[1], m[2] === 'UP');
  }
  return { vipUp, skipped };
}
