// BIRD's reply parser on replies as BIRD 2.0.12 sends them (copied from a
// session on its control socket), and how birdConfigure judges a reply.
import { describe, expect, it } from 'vitest';
import {
  birdConfigure, birdControl, describeBirdReply, readBirdReply, refuseBirdCommand,
  type BirdCommandResult, type BirdControl,
} from './control.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const STATUS = '1000-BIRD 2.0.12\n1011-Router ID is 192.0.2.1\n Hostname is vm\n Current server time is 2026-11-23 14:53:02.924\n0013 Daemon is up and running\n';

describe('readBirdReply', () => {
  it('reads the greeting as a reply of one final line', () => {
    expect(readBirdReply(bytes('0001 BIRD 2.0.12 ready.\n'))).toEqual({ kind: 'complete', lines: [{ code: '0001', text: 'BIRD 2.0.12 ready.' }], consumed: 24 });
  });

  it('gives continuation lines the code of the line before them', () => {
    const r = readBirdReply(bytes(STATUS));
    expect(r).toEqual({
      kind: 'complete',
      consumed: STATUS.length,
      lines: [
        { code: '1000', text: 'BIRD 2.0.12' },
        { code: '1011', text: 'Router ID is 192.0.2.1' },
        { code: '1011', text: 'Hostname is vm' },
        { code: '1011', text: 'Current server time is 2026-11-23 14:53:02.924' },
        { code: '0013', text: 'Daemon is up and running' },
      ],
    });
  });

  it('ends the reply at the first "DDDD text" line, with an empty text too, and leaves what follows', () => {
    const text = '2002-Name       Proto\n1002-device1    Device\n0000 \n0001 next';
    const r = readBirdReply(bytes(text));
    expect(r).toEqual({ kind: 'complete', lines: [{ code: '2002', text: 'Name       Proto' }, { code: '1002', text: 'device1    Device' }, { code: '0000', text: '' }], consumed: text.indexOf('0001') });
  });

  it('is partial until the final line has its newline, wherever the chunks split', () => {
    const text = '0002-Reading configuration from /tmp/x/bird.conf\n0003 Reconfigured\n';
    for (let cut = 0; cut < text.length; cut++) {
      const r = readBirdReply(bytes(text.slice(0, cut)));
      expect(r.kind, `cut at ${cut}`).toBe('partial');
    }
    expect(readBirdReply(bytes(text)).kind).toBe('complete');
    // Cut in the middle of a line: only the whole lines so far.
    expect(readBirdReply(bytes(text.slice(0, 60)))).toEqual({ kind: 'partial', lines: [{ code: '0002', text: 'Reading configuration from /tmp/x/bird.conf' }] });
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const all = bytes('0002-Reading configuration from /tmp/é/bird.conf\n8002 /tmp/é/bird.conf: No such file or directory\n');
    const at = all.indexOf(0xc3) + 1;
    expect(readBirdReply(all.subarray(0, at)).kind).toBe('partial');
    const r = readBirdReply(all);
    expect(r.kind === 'complete' ? r.lines.map((l) => l.text) : []).toEqual(['Reading configuration from /tmp/é/bird.conf', '/tmp/é/bird.conf: No such file or directory']);
  });

  it('refuses lines that are not BIRD reply lines', () => {
    for (const text of ['HTTP/1.1 400 Bad Request\n', '001 short code\n', '0001\n', '00013 five digits\n', ' continuation first\n', '\n', '+0001 spontaneous\n', '0002-ok\nnonsense\n']) {
      const r = readBirdReply(bytes(text));
      expect(r.kind, JSON.stringify(text)).toBe('garbage');
      expect(r.kind === 'garbage' ? r.error : '').toMatch(/^expected a BIRD reply line \("DDDD-text", "DDDD text" or " text" after one of them\), got "/);
    }
  });

  it('reads nothing from nothing', () => {
    expect(readBirdReply(new Uint8Array())).toEqual({ kind: 'partial', lines: [] });
  });
});

describe('describeBirdReply', () => {
  it('writes the lines back as BIRD sent them, on one line', () => {
    expect(describeBirdReply([{ code: '0002', text: 'Reading configuration from x' }, { code: '8002', text: 'x:2:19 syntax error' }])).toBe('0002-Reading configuration from x; 8002 x:2:19 syntax error');
    expect(describeBirdReply([])).toBe('nothing');
  });
});

describe('refuseBirdCommand', () => {
  it('takes a printable line', () => {
    expect(refuseBirdCommand('configure')).toBeUndefined();
    expect(refuseBirdCommand('show route for 198.51.100.1')).toBeUndefined();
  });

  it('refuses newlines, control characters, empty and overlong commands', () => {
    expect(refuseBirdCommand('configure\nshutdown')).toBe('expected a BIRD command without newlines or control characters, got "configure\\nshutdown"');
    expect(refuseBirdCommand('show status\r')).toMatch(/without newlines or control characters/);
    expect(refuseBirdCommand('show\x00')).toMatch(/without newlines or control characters/);
    expect(refuseBirdCommand('show\x7f')).toMatch(/without newlines or control characters/);
    expect(refuseBirdCommand('  ')).toBe('expected a BIRD command, got an empty one');
    expect(refuseBirdCommand(`show ${'x'.repeat(600)}`)).toBe('expected a BIRD command of at most 512 characters, got 605');
  });

  it('is checked before any connection is tried', async () => {
    // No socket exists at this path: the refusal, not a connect error, answers.
    const r = await birdControl('/nonexistent/bird.ctl').command('configure\n');
    expect(r).toEqual({ ok: false, error: 'expected a BIRD command without newlines or control characters, got "configure\\n"' });
  });
});

describe('birdConfigure', () => {
  const control = (reply: BirdCommandResult, sent: string[] = []): BirdControl => ({
    socket: '/run/test/bird.ctl',
    command: async (text) => { sent.push(text); return reply; },
  });
  const reading = { code: '0002', text: 'Reading configuration from /etc/tierlb/bird.conf' };

  it('sends configure and accepts 0003, 0004 and 0005', async () => {
    const sent: string[] = [];
    expect(await birdConfigure(control({ ok: true, lines: [reading, { code: '0003', text: 'Reconfigured' }] }, sent))).toBeUndefined();
    expect(sent).toEqual(['configure']);
    expect(await birdConfigure(control({ ok: true, lines: [reading, { code: '0004', text: 'Reconfiguration in progress' }] }))).toBeUndefined();
    expect(await birdConfigure(control({ ok: true, lines: [{ code: '0005', text: 'Reconfiguration already in progress, queueing new config' }] }))).toBeUndefined();
  });

  it('refuses any other reply, quoting BIRD', async () => {
    expect(await birdConfigure(control({ ok: true, lines: [reading, { code: '8002', text: '/etc/tierlb/bird.conf:2:19 syntax error, unexpected CF_SYM_UNDEFINED' }] })))
      .toBe('expected BIRD on /run/test/bird.ctl to reconfigure, got 0002-Reading configuration from /etc/tierlb/bird.conf; 8002 /etc/tierlb/bird.conf:2:19 syntax error, unexpected CF_SYM_UNDEFINED');
    expect(await birdConfigure(control({ ok: true, lines: [{ code: '0006', text: 'Reconfiguration ignored, shutting down' }] }))).toMatch(/got 0006 Reconfiguration ignored, shutting down$/);
    expect(await birdConfigure(control({ ok: true, lines: [{ code: '0016', text: 'Access restricted' }] }))).toMatch(/got 0016 Access restricted$/);
    // The code decides, not the words.
    expect(await birdConfigure(control({ ok: true, lines: [{ code: '8002', text: 'Reconfigured' }] }))).toMatch(/got 8002 Reconfigured$/);
  });

  it('passes on why the command did not get a reply', async () => {
    expect(await birdConfigure(control({ ok: false, error: 'BIRD on /run/test/bird.ctl, command "configure": no complete reply within 10000 ms' })))
      .toBe('expected BIRD to reconfigure: BIRD on /run/test/bird.ctl, command "configure": no complete reply within 10000 ms');
  });
});
