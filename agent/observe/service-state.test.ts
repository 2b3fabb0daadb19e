import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ServiceManagerPort, ServiceMessage } from '../ports/service-manager.js';
import { createLogger } from './log.js';
import { ServiceState, turnStatus } from './service-state.js';

/** A service manager that records what it was told, and refuses every message while `down`. */
function fakeManager(): ServiceManagerPort & { sent: ServiceMessage[]; down: boolean } {
  const m = {
    how: 'a fake',
    sent: [] as ServiceMessage[],
    down: false,
    notify: (message: ServiceMessage) => {
      if (m.down) return Promise.reject(new Error('sdNotify sendto /run/systemd/notify: Connection refused'));
      m.sent.push(message);
      return Promise.resolve();
    },
  };
  return m;
}

function logLines(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(String(chunk)); done(); } });
  return { lines, log: createLogger('l4-1', 'info', sink) };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ServiceState', () => {
  it('says READY=1 once the start is done, with the first turn as its status, and nothing before', () => {
    const m = fakeManager();
    const s = new ServiceState(m, 'l4', logLines().log);
    s.turned('applied', ['start']);
    expect(m.sent).toEqual([]);
    s.ready();
    s.ready();
    expect(m.sent).toEqual([{ ready: true, status: 'l4: last turn applied (start)' }]);
  });

  it('sends a turn\'s status only when it differs from the last one sent', () => {
    const m = fakeManager();
    const s = new ServiceState(m, 'l7', logLines().log);
    s.ready();
    s.turned('applied', ['/etc/lb/agent-check changed']);
    s.turned('applied', ['/etc/lb/agent-check changed']);
    s.turned('partial', ['site file changed', 'haproxy started (pid 7)']);
    expect(m.sent.slice(1)).toEqual([
      { status: 'l7: last turn applied (/etc/lb/agent-check changed)' },
      { status: 'l7: last turn partial (site file changed, +1 more), see the log' },
    ]);
  });

  it('wraps a reload in RELOADING=1 and READY=1, and says so when the site file was refused', () => {
    const m = fakeManager();
    const s = new ServiceState(m, 'dns', logLines().log);
    s.ready();
    s.reloading();
    s.reloaded('services[0].vips[0]: expected an IPv4 or IPv6 address, got "10.0.0.300"');
    expect(m.sent.slice(1)).toEqual([
      { reloading: true, status: 'dns: reloading the site file' },
      { ready: true, status: 'dns: site file refused, the last good one runs: services[0].vips[0]: expected an IPv4 or IPv6 address, got "10.0.0.300"' },
    ]);
  });

  it('says STOPPING=1 once, and nothing after it: not the READY=1 of a reload in flight, not a turn', () => {
    const m = fakeManager();
    const s = new ServiceState(m, 'l4', logLines().log);
    s.ready();
    s.reloading();
    s.stopping();
    s.reloaded();
    s.turned('applied', ['drain']);
    s.stopping();
    expect(m.sent.slice(2)).toEqual([{ stopping: true, status: 'l4: planned stop' }]);
  });

  it('logs a failed notification once, and again only after one went through', async () => {
    const m = fakeManager();
    const { lines, log } = logLines();
    const s = new ServiceState(m, 'l4', log);
    m.down = true;
    s.ready();
    s.turned('applied', ['a']);
    await settle();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('service manager not notified: sdNotify sendto /run/systemd/notify: Connection refused');
    m.down = false;
    s.turned('applied', ['b']);
    await settle();
    m.down = true;
    s.turned('applied', ['c']);
    await settle();
    expect(lines).toHaveLength(2);
  });
});

describe('turnStatus', () => {
  it('names the role, the outcome and the first reason', () => {
    expect(turnStatus('router', 'unchanged', [])).toBe('router: last turn unchanged');
    expect(turnStatus('l4', 'error', ['start'])).toBe('l4: last turn error (start), see the log');
  });
});
