import { describe, expect, it } from 'vitest';
import { changelogDate, changelogText, copyrightText } from './doc-files.js';

const module = (name: string, license: string) => ({ path: `node_modules/${name}`, name, version: '1.0.0', license, optional: false });

describe('copyrightText', () => {
  it('gives tierlb\'s license by reference and each bundled module with its own text', () => {
    const text = copyrightText('tierlb', 'Apache-2.0', [{ module: module('pino', 'MIT'), text: 'The MIT License\r\n\r\nCopyright (c) Matteo Collina\r\n' }]);
    expect(text).toContain('License: Apache-2.0\n On Debian systems the full text of the Apache License 2.0 is in\n /usr/share/common-licenses/Apache-2.0.');
    expect(text).toContain('\npino 1.0.0 (MIT)\n\nThe MIT License\n\nCopyright (c) Matteo Collina\n');
    expect(text).not.toContain('\r');
  });

  it('refers to Debian\'s copy of the Apache license instead of repeating a module\'s', () => {
    const text = copyrightText('tierlb', 'Apache-2.0', [{ module: module('@grpc/grpc-js', 'Apache-2.0'), text: 'Apache License\nVersion 2.0, January 2004\n...' }]);
    expect(text).toContain('@grpc/grpc-js 1.0.0 (Apache-2.0)\n\nLicensed under the Apache License 2.0: /usr/share/common-licenses/Apache-2.0.');
    expect(text).not.toContain('January 2004');
  });

  it('says so when a module ships no license text', () => {
    expect(copyrightText('tierlb', 'Apache-2.0', [{ module: module('x', 'ISC'), text: undefined }])).toContain('It ships no license text; its package.json says ISC.');
  });
});

describe('changelogText', () => {
  it('is one entry with the maintainer and the date in Debian\'s format', () => {
    expect(changelogText('tierlb', '0.1.0', 'Ops <ops@example.org>', 1796311993)).toBe(
      'tierlb (0.1.0) unstable; urgency=medium\n\n  * Built from the tierlb source tree; see its git history.\n\n -- Ops <ops@example.org>  Thu, 03 Dec 2026 15:33:13 +0000\n',
    );
  });

  it('pads the day of the month', () => {
    expect(changelogDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 +0000');
  });
});
