import { describe, expect, it } from 'vitest';
import { outcomesOf, parseAllBody } from './l7-monitor-reply.js';

describe('parseAllBody', () => {
  it('reads every name=count word of the _all body', () => {
    expect(parseAllBody('web=2 api=0 ')).toEqual(new Map([['web', 2], ['api', 0]]));
  });

  it('ignores words that are not name=count', () => {
    expect(parseAllBody('web=2 <html> api=x =3 ok')).toEqual(new Map([['web', 2]]));
  });
});

describe('outcomesOf', () => {
  const services = ['web', 'api'];

  it('passes a service with usable servers and fails one without', () => {
    const o = outcomesOf({ kind: 'answer', status: 200, body: 'web=1 api=0 ' }, services);
    expect(o.get('web')).toEqual({ kind: 'ok' });
    expect(o.get('api')).toMatchObject({ kind: 'fail', reason: expect.stringContaining('no usable server') });
  });

  it('reads a 503 as the L7 node saying it is in maintenance, for every service', () => {
    const o = outcomesOf({ kind: 'answer', status: 503, body: '' }, services);
    expect([...o.values()].every((x) => x.kind === 'maintenance' && x.reason.includes('enabler down'))).toBe(true);
  });

  it('fails a service the body does not name', () => {
    expect(outcomesOf({ kind: 'answer', status: 200, body: 'web=3 ' }, services).get('api')).toMatchObject({ kind: 'fail', reason: expect.stringContaining('does not name') });
  });

  it('carries refused, reset and timeout through for every service, so refused counts at once', () => {
    for (const kind of ['refused', 'reset', 'timeout'] as const) {
      expect([...outcomesOf({ kind }, services).values()]).toEqual([{ kind }, { kind }]);
    }
  });

  it('fails on another status', () => {
    expect(outcomesOf({ kind: 'answer', status: 404, body: '' }, ['web']).get('web')).toEqual({ kind: 'fail', reason: 'HTTP 404, expected 200' });
  });
});
