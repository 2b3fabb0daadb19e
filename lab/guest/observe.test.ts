import { describe, expect, it } from 'vitest';
import { parseDigAnswers } from './observe.js';

const questions = [
  { name: 'www.example.org', type: 'A' as const }, { name: 'www.example.org', type: 'AAAA' as const },
  { name: 'api.example.org', type: 'A' as const }, { name: 'api.example.org', type: 'AAAA' as const },
];

describe('the answers of one dig to many questions', () => {
  it('sorts each question\'s addresses from the answer lines, and an unanswered question has no address', () => {
    const text = [
      'www.example.org.\t30\tIN\tA\t198.51.100.2', 'www.example.org.\t30\tIN\tA\t198.51.100.1',
      'www.example.org.\t30\tIN\tAAAA\t2001:db8::c633:6401', 'api.example.org.\t30\tIN\tA\t198.51.100.3',
    ].join('\n');
    expect([...parseDigAnswers(text, questions)]).toEqual([
      ['www.example.org A', ['198.51.100.1', '198.51.100.2']], ['www.example.org AAAA', ['2001:db8::c633:6401']],
      ['api.example.org A', ['198.51.100.3']], ['api.example.org AAAA', []],
    ]);
  });

  it('has no reply for a question when dig reached no server', () => {
    const r = parseDigAnswers(';; communications error to 10.0.3.53#53: connection refused\n;; no servers could be reached\n', questions);
    expect([...r.values()]).toEqual([undefined, undefined, undefined, undefined]);
    expect([...parseDigAnswers('', questions).values()]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
