// Reads a maintenance file (/etc/lb/disable, /etc/lb/agent-check) thinly:
// bounded, never blocking, and every failure turned into a value the pure
// parsers in tiers/backend interpret.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { MAX_MAINTENANCE_BYTES, type MaintenanceFileRead } from '../../tiers/backend/index.js';

const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR']);

/**
 * O_NONBLOCK so that a FIFO someone made at the path cannot hang the
 * agent; fstat so that only a regular file is read (a directory, a FIFO or
 * a device is reported, not read); at most `maxBytes`, so a 10 MB file or
 * /dev/zero costs nothing.
 */
export async function readMaintenanceFile(path: string, maxBytes = MAX_MAINTENANCE_BYTES): Promise<MaintenanceFileRead> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!(await handle.stat()).isFile()) return { kind: 'unreadable', problem: 'not a regular file' };
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return { kind: 'text', text: buffer.subarray(0, bytesRead).toString('utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    return ABSENT_CODES.has(code) ? { kind: 'absent' } : { kind: 'unreadable', problem: code };
  } finally {
    await handle?.close();
  }
}
