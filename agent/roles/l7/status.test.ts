import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { l7ServiceStatus, parseShowStat } from './status.js';

/** `show stat -1 4 -1` of HAProxy 2.6, cut to its first columns (the parser finds them by name). */
const STAT = [
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act',
  'enabler,l7-1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1',
  'be_web,srv-1,0,0,3,5,,9,0,0,,0,,0,0,0,0,DRAIN (agent),100,1',
  'be_web,srv-2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,100,1',
  'be_web,srv-3,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,0,1',
  '',
].join('\n');

describe('parseShowStat', () => {
  it('reads backend, server, status, weight and current sessions by column name', () => {
    expect(parseShowStat(STAT)[1]).toEqual({ backend: 'be_web', server: 'srv-1', status: 'DRAIN (agent)', weight: 100, current: 3 });
    expect(parseShowStat(STAT)).toHaveLength(4);
  });

  it('gives no rows for an answer without the header (an error message)', () => {
    expect(parseShowStat('Permission denied\n')).toEqual([]);
    expect(parseShowStat('')).toEqual([]);
  });

  it('leaves FRONTEND and BACKEND summary rows out', () => {
    const text = `${STAT}be_web,BACKEND,0,0,3,5,,9,0,0,,0,,0,0,0,0,UP,200,2\n`;
    expect(parseShowStat(text).map((r) => r.server)).not.toContain('BACKEND');
  });
});

describe('l7ServiceStatus', () => {
  const site = loadSite();
  const node = nodeOf(site, 'l7-1');

  it('lists every server of each service with what HAProxy says of it', () => {
    const web = l7ServiceStatus(site, node, parseShowStat(STAT)).find((s) => s.name === 'web');
    expect(web?.realServers.map((r) => [r.name, r.address, r.health, r.desiredWeight, r.kernelWeight, r.activeConns])).toEqual([
      ['srv-1', '10.0.2.41:8080', 'DRAIN (agent)', 100, 100, 3],
      ['srv-2', '10.0.2.42:8080', 'DOWN', 100, 100, 0],
      ['srv-3', '[fd00:2::43]:8080', 'MAINT', 100, 0, 0],
      ['srv-4', '[fd00:2::44]:8080', 'unknown (not in haproxy)', 50, null, null],
    ]);
  });

  it('says so when HAProxy did not answer', () => {
    const web = l7ServiceStatus(site, node, undefined)[0];
    expect(web?.realServers[0]?.health).toBe('unknown (haproxy not answering)');
  });
});
