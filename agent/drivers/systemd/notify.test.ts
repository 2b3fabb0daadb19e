import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notifyReceiver, type NotifyReceiver } from '../../../test/helpers/notify-receiver.js';
import { sdNotifySender } from '../ipvs/netlink-addon.js';
import { systemdServiceManager } from './notify.js';

let receiver: NotifyReceiver | undefined;
let dir = '';
const clock = (): bigint => 1234567n;

beforeAll(() => {
  const sender = sdNotifySender();
  if (!('send' in sender)) throw new Error(sender.why);
});

afterEach(() => {
  receiver?.close();
  receiver = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

async function listen(abstract = false): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'tierlb-notify-'));
  const address = abstract ? `@tierlb-notify-test-${process.pid}-${Date.now()}` : join(dir, 'notify');
  receiver = await notifyReceiver(address);
  return address;
}

describe('systemdServiceManager through the native addon', () => {
  it('sends READY=1 and STATUS= in one datagram from the agent\'s own pid to a socket path', async () => {
    const env = { NOTIFY_SOCKET: await listen() };
    const m = systemdServiceManager({ env, monotonicUsec: clock });
    await m.notify({ ready: true, status: 'l4: applied (start)' });
    expect(await receiver?.datagrams(1)).toEqual([{ text: 'READY=1\nSTATUS=l4: applied (start)', pid: process.pid }]);
  });

  it('reaches a socket in the abstract namespace (@name)', async () => {
    const env = { NOTIFY_SOCKET: await listen(true) };
    await systemdServiceManager({ env, monotonicUsec: clock }).notify({ stopping: true, status: 'planned stop' });
    expect((await receiver?.datagrams(1))?.map((d) => d.text)).toEqual(['STOPPING=1\nSTATUS=planned stop']);
  });

  it('sends a reload\'s RELOADING=1 with the monotonic clock before the READY=1 after it', async () => {
    const env = { NOTIFY_SOCKET: await listen() };
    const port = systemdServiceManager({ env, monotonicUsec: clock });
    await Promise.all([port.notify({ reloading: true }), port.notify({ ready: true })]);
    expect((await receiver?.datagrams(2))?.map((d) => d.text)).toEqual(['RELOADING=1\nMONOTONIC_USEC=1234567', 'READY=1']);
  });

  it('removes NOTIFY_SOCKET from the environment, so the daemons the agent starts do not inherit it', async () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: await listen(), PATH: '/usr/bin' };
    systemdServiceManager({ env });
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it('rejects with the errno when nobody listens on the socket', async () => {
    const env = { NOTIFY_SOCKET: join(mkdtempSync(join(tmpdir(), 'tierlb-notify-')), 'absent') };
    await expect(systemdServiceManager({ env }).notify({ ready: true })).rejects.toThrow(/sdNotify sendto .*absent: No such file or directory/);
  });
});

describe('systemdServiceManager through systemd-notify, without the addon', () => {
  it('sends the same assignments, naming the agent as the main process', async () => {
    const env = { NOTIFY_SOCKET: await listen(), PATH: process.env.PATH };
    const m = systemdServiceManager({ env, sender: { why: 'addon absent in this test' }, pid: 4242, monotonicUsec: clock });
    expect(m.how).toMatch(/through systemd-notify \(addon absent in this test\)$/);
    await m.notify({ ready: true, status: 'dns: applied (start)' });
    const [d] = (await receiver?.datagrams(1)) ?? [];
    expect(d?.text.split('\n').sort()).toEqual(['MAINPID=4242', 'READY=1', 'STATUS=dns: applied (start)']);
  });
});

describe('systemdServiceManager without a service manager', () => {
  it('does nothing when NOTIFY_SOCKET is unset', async () => {
    const m = systemdServiceManager({ env: {} });
    expect(m.how).toBe('no service manager listens (NOTIFY_SOCKET unset)');
    await expect(m.notify({ ready: true })).resolves.toBeUndefined();
  });

  it('says why and does nothing when NOTIFY_SOCKET is not an absolute path or @name', () => {
    expect(systemdServiceManager({ env: { NOTIFY_SOCKET: 'run/notify' } }).how).toBe('NOTIFY_SOCKET: expected an absolute path or @name, got "run/notify"; not notifying');
  });
});
