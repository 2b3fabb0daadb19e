import { describe, expect, it } from 'vitest';
import { recheckHintText } from '../../tiers/l4/recheck-hint.js';
import { udpHintSend } from '../roles/l7/recheck-hints.js';
import { recheckOpener } from './recheck-listener.js';

describe('recheck hints over UDP on loopback', () => {
  it('delivers what the L7 side sends, with its source address, and frees the port on close', async () => {
    const got: { text: string; from: string }[] = [];
    const open = recheckOpener((bytes, from) => got.push({ text: Buffer.from(bytes).toString('latin1'), from }));
    const listener = await open({ host: '127.0.0.1', port: 0 });
    await udpHintSend(Buffer.from(recheckHintText('l7-1')), { address: '127.0.0.1', port: listener.port }, '127.0.0.1');
    await expect.poll(() => got).toEqual([{ text: 'tierlb-recheck 1 l7-1\n', from: '127.0.0.1' }]);
    await expect(open({ host: '127.0.0.1', port: listener.port })).rejects.toThrow(/EADDRINUSE/);
    await listener.close();
    const again = await open({ host: '127.0.0.1', port: listener.port });
    await again.close();
  });

  it('hands over no more than one byte past the longest hint of an oversized datagram', async () => {
    const sizes: number[] = [];
    const listener = await recheckOpener((bytes) => sizes.push(bytes.length))({ host: '127.0.0.1', port: 0 });
    await udpHintSend(Buffer.alloc(4000, 'x'), { address: '127.0.0.1', port: listener.port }, '127.0.0.1');
    await expect.poll(() => sizes).toEqual([129]);
    await listener.close();
  });
});
