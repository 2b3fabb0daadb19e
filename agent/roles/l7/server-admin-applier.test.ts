import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observe/log.js';
import { ServerAdminApplier } from './server-admin-applier.js';

/** A runtime API that keeps each server's admin state and weight as HAProxy does, and answers `show servers state`. */
function fakeRuntime(servers: Record<string, number>) {
  const held = new Map(Object.entries(servers).map(([t, w]) => [t, { admin: 0, weight: w, initial: w }]));
  const commands: string[] = [];
  const command = async (line: string): Promise<string> => {
    commands.push(line);
    const set = /^set server (\S+) (state|weight) (\S+)$/.exec(line);
    const s = set ? held.get(set[1] ?? '') : undefined;
    if (set && s) {
      if (set[2] === 'state') s.admin = set[3] === 'drain' ? 8 : set[3] === 'maint' ? 1 : 0;
      else s.weight = Math.floor((s.initial * Number((set[3] ?? '').replace('%', ''))) / 100);
      return '\n';
    }
    if (line === 'show servers state') {
      const rows = [...held].map(([t, v], i) => `2 ${t.split('/')[0]} ${i + 1} ${t.split('/')[1]} 127.0.0.1 2 ${v.admin} ${v.weight} ${v.initial}`);
      return `1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n${rows.join('\n')}\n`;
    }
    return 'Unknown command\n';
  };
  return { held, commands, runtime: { command } };
}

describe('ServerAdminApplier drift check', () => {
  it('reads the servers\' state only on a check, and pushes again only the server set by hand', async () => {
    const f = fakeRuntime({ 'be_web/srv-1': 100, 'be_web/srv-2': 100 });
    const applier = new ServerAdminApplier(f.runtime, createLogger('l7-1', 'silent'));
    const plan = new Map([['be_web/srv-1', { admin: 'drain' as const, weight: 100 }], ['be_web/srv-2', { admin: 'ready' as const, weight: 50 }]]);
    expect(await applier.apply(plan, 1, { again: false })).toBe(true);
    const pushes = f.commands.length;
    expect(await applier.apply(plan, 1, { again: false })).toBe(true);
    expect(f.commands.length).toBe(pushes);
    expect(await applier.apply(plan, 1, { again: false, check: true })).toBe(true);
    expect(f.commands.slice(pushes)).toEqual(['show servers state']);
    expect(applier.driftRepairs).toBe(0);

    const srv1 = f.held.get('be_web/srv-1');
    if (srv1) srv1.admin = 0; // `set server be_web/srv-1 state ready` typed by an operator
    const before = f.commands.length;
    expect(await applier.apply(plan, 1, { again: false, check: true })).toBe(true);
    expect(f.commands.slice(before)).toEqual(['show servers state', 'set server be_web/srv-1 state drain', 'set server be_web/srv-1 weight 100%']);
    expect(f.held.get('be_web/srv-1')?.admin).toBe(8);
    expect(applier.driftRepairs).toBe(1);
  });
});
