import { describe, expect, it } from 'vitest';
import { manPage, roffText } from './man-page.js';

describe('manPage', () => {
  it('puts the help text in a no-fill block between the header and the files', () => {
    const page = manPage('0.1.0', '03 Dec 2026', 'Usage: tierlb [options] [command]\n', '/etc/tierlb/site.yaml');
    expect(page.startsWith('.TH TIERLB 1 "03 Dec 2026" "tierlb 0.1.0" "User Commands"\n')).toBe(true);
    expect(page).toContain('\n.nf\nUsage: tierlb [options] [command]\n.fi\n');
    expect(page).toContain('\n.I /etc/tierlb/site.yaml\n');
  });
});

describe('roffText', () => {
  it('keeps a help line that starts with a dot or a quote, or holds a backslash, as text', () => {
    expect(roffText(".hidden\n'quoted\na\\b")).toBe("\\&.hidden\n\\&'quoted\na\\eb");
  });
});
