import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MaintenanceFileRead } from '../../tiers/backend/index.js';
import { fileAgentCheckSource } from './file-source.js';

function recorder() {
  const lines: string[] = [];
  const log = (level: string) => (_o: object, msg: string) => { lines.push(`${level}: ${msg}`); };
  return { lines, logger: { info: log('info'), warn: log('warn') } };
}
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tierlb-agentcheck-')), 'agent-check');

describe('fileAgentCheckSource', () => {
  it('answers up when the file does not exist', async () => {
    expect(await fileAgentCheckSource(tempFile(), recorder().logger).read()).toBe('up ready 100%\n');
  });

  it('answers what the file says, read again on every check', async () => {
    const path = tempFile();
    const source = fileAgentCheckSource(path, recorder().logger);
    writeFileSync(path, 'drain\n');
    expect(await source.read()).toBe('up drain 100%\n');
    writeFileSync(path, '50%\n');
    expect(await source.read()).toBe('up ready 50%\n');
  });

  it('keeps the last good answer when the file turns into garbage', async () => {
    const path = tempFile();
    const source = fileAgentCheckSource(path, recorder().logger);
    writeFileSync(path, 'drain');
    await source.read();
    writeFileSync(path, 'rm -rf /');
    expect(await source.read()).toBe('up drain 100%\n');
    expect(source.current()?.basis).toBe('kept');
  });

  it('keeps the last good answer when the path becomes a directory', async () => {
    const path = tempFile();
    const source = fileAgentCheckSource(path, recorder().logger);
    writeFileSync(path, 'down');
    await source.read();
    execFileSync('rm', [path]);
    mkdirSync(path);
    expect(await source.read()).toBe('down ready 100%\n');
  });

  it('keeps the last good answer when the file cannot be read (EACCES)', async () => {
    let next: MaintenanceFileRead = { kind: 'text', text: 'maint' };
    const source = fileAgentCheckSource('/x', recorder().logger, async () => next);
    await source.read();
    next = { kind: 'unreadable', problem: 'EACCES' };
    expect(await source.read()).toBe('up maint 100%\n');
  });

  it('does not hang on a FIFO at the path', async () => {
    const path = tempFile();
    execFileSync('mkfifo', [path]);
    expect(await fileAgentCheckSource(path, recorder().logger).read()).toBe('up ready 100%\n');
  });

  it('logs when the answer changes, not on every check', async () => {
    const path = tempFile();
    const { lines, logger } = recorder();
    const source = fileAgentCheckSource(path, logger);
    writeFileSync(path, 'garbage');
    for (let i = 0; i < 3; i++) await source.read();
    writeFileSync(path, 'drain');
    await source.read();
    expect(lines).toEqual(['warn: agent-check file not fully understood', 'info: agent-check answer changed']);
  });
});
