import { describe, expect, it } from 'vitest';
import { readAnswer, readRequest } from './protocol.js';

describe('readRequest', () => {
  it('reads a whole announced set', () => {
    expect(readRequest('{"id":3,"kind":"set","set":[{"vip":"198.51.100.1","gracefulShutdown":true}]}')).toEqual({ id: 3, kind: 'set', set: [{ vip: '198.51.100.1', gracefulShutdown: true }] });
    expect(readRequest('{"id":4,"kind":"set","set":[]}')).toEqual({ id: 4, kind: 'set', set: [] });
  });

  it('refuses a line that is not a request, or a set with an address that is not one', () => {
    expect(readRequest('stop')).toBeUndefined();
    expect(readRequest('{"id":1,"kind":"set","set":[{"vip":"198.51.100.300","gracefulShutdown":false}]}')).toBeUndefined();
    expect(readRequest('{"id":1,"kind":"set","set":[{"vip":"198.51.100.1"}]}')).toBeUndefined();
  });
});

describe('readAnswer', () => {
  it('reads an answer with or without an error', () => {
    expect(readAnswer('{"id":1,"began":10.5,"answered":12}')).toEqual({ id: 1, began: 10.5, answered: 12 });
    expect(readAnswer('{"id":2,"began":1,"answered":2,"error":"no BGP speaker running"}')).toEqual({ id: 2, began: 1, answered: 2, error: 'no BGP speaker running' });
  });

  it('refuses another line (a daemon\'s output, say)', () => {
    expect(readAnswer('{"level":"info","msg":"Peer Up"}')).toBeUndefined();
    expect(readAnswer('not json')).toBeUndefined();
  });
});
