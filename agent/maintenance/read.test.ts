import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentCheck } from '../../tiers/backend/index.js';
import { readMaintenanceFile } from './read.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tierlb-maint-'));

describe('readMaintenanceFile', () => {
  it('reports a missing file as absent', async () => {
    expect(await readMaintenanceFile(join(dir(), 'disable'))).toEqual({ kind: 'absent' });
  });

  it('reports a path under a regular file as absent (ENOTDIR)', async () => {
    const d = dir();
    writeFileSync(join(d, 'lb'), '');
    expect(await readMaintenanceFile(join(d, 'lb', 'disable'))).toEqual({ kind: 'absent' });
  });

  it('returns the text of a small file', async () => {
    const path = join(dir(), 'agent-check');
    writeFileSync(path, 'drain\n');
    expect(await readMaintenanceFile(path)).toEqual({ kind: 'text', text: 'drain\n' });
  });

  it('gives a file saved with a UTF-8 byte-order mark to the parser, which reads it as if it had none', async () => {
    const path = join(dir(), 'agent-check');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('drain\n')]));
    const read = await readMaintenanceFile(path);
    expect(read.kind === 'text' && parseAgentCheck(read.text)).toEqual({ ok: true, state: { state: 'drain' }, warnings: [] });
  });

  it('reads no more than 4096 bytes of a 10 MB file', async () => {
    const path = join(dir(), 'agent-check');
    writeFileSync(path, Buffer.alloc(10 * 1024 * 1024, 'a'));
    const read = await readMaintenanceFile(path);
    expect(read.kind === 'text' && read.text.length).toBe(4096);
  });

  it('reports a directory as unreadable rather than reading it', async () => {
    expect(await readMaintenanceFile(dir())).toEqual({ kind: 'unreadable', problem: 'not a regular file' });
  });

  it('reports a device as unreadable rather than reading it', async () => {
    expect(await readMaintenanceFile('/dev/zero')).toEqual({ kind: 'unreadable', problem: 'not a regular file' });
  });
});
