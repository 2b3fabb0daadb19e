import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentLines, speakerChange } from './agent-log.js';
import type { LabEnv } from './env.js';

const logDir = mkdtempSync(join(tmpdir(), 'tierlb-agent-log-'));
const env = { logDir } as LabEnv;
writeFileSync(join(logDir, 'l4-1.agent.log'), [
  '{"level":30,"time":"2026-11-23T13:24:56.546Z","msg":"BGP: announce 198.51.100.1 graceful-shutdown"}',
  'not json: a daemon wrote here',
  '{"level":30,"time":"2026-11-23T13:25:01.412Z","msg":"BGP: withdraw 198.51.100.1"}',
  '{"level":30,"time":"garbage","msg":"BGP: announce 198.51.100.1"}',
  '{"level":30,"time":"2026-11-23T13:25:09.486Z","msg":"BGP: announce 198.51.100.1","speakerMs":1200}',
  '{"level":30,"time":"2026-11-23T13:25:09.689Z","msg":"turn applied","waitedMs":3,"planMs":100,"applyMs":1500}',
].join('\n'));

describe('agentLines', () => {
  it('reads the JSON lines at or after the instant, skipping lines it cannot read, and none for a node without a log', () => {
    expect(agentLines(env, 'l4-1', Date.parse('2026-11-23T13:25:00Z')).map((l) => l.msg)).toEqual(['BGP: withdraw 198.51.100.1', 'BGP: announce 198.51.100.1', 'turn applied']);
    expect(agentLines(env, 'l4-9', 0)).toEqual([]);
  });
});

describe('speakerChange', () => {
  it('splits the agent\'s part: turn began, speaker change began, speaker answered', () => {
    const from = Date.parse('2026-11-23T13:25:08.000Z');
    expect(speakerChange(env, 'l4-1', from, 'BGP: announce')).toEqual({ turnBegan: 89, speakerBegan: 286, speakerDone: 1486 });
  });

  it('leaves out the turn when no turn line follows, and says undefined without a change', () => {
    expect(speakerChange(env, 'l4-1', Date.parse('2026-11-23T13:25:00Z'), 'BGP: withdraw')).toEqual({ speakerBegan: 1412, speakerDone: 1412 });
    expect(speakerChange(env, 'l4-1', Date.parse('2026-11-23T13:26:00Z'), 'BGP:')).toBeUndefined();
  });
});

describe('agentLines on a log that grows', () => {
  it('takes the lines written since the last read, a line split across two writes once it is whole, and a replaced file anew', () => {
    const file = join(logDir, 'l7-1.agent.log');
    const line = (ms: number, msg: string): string => JSON.stringify({ level: 30, time: new Date(ms).toISOString(), msg });
    writeFileSync(file, `${line(1000, 'one')}\n`);
    expect(agentLines(env, 'l7-1', 0).map((l) => l.msg)).toEqual(['one']);
    const two = line(2000, 'two');
    appendFileSync(file, `${two.slice(0, 20)}`);
    expect(agentLines(env, 'l7-1', 0).map((l) => l.msg)).toEqual(['one']);
    appendFileSync(file, `${two.slice(20)}\n${line(3000, 'three')}\n`);
    expect(agentLines(env, 'l7-1', 0).map((l) => l.msg)).toEqual(['one', 'two', 'three']);
    expect(agentLines(env, 'l7-1', 2500).map((l) => l.msg)).toEqual(['three']);
    writeFileSync(file, `${line(4000, 'new')}\n`);
    expect(agentLines(env, 'l7-1', 0).map((l) => l.msg)).toEqual(['new']);
  });
});
