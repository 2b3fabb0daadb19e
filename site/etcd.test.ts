import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSiteText } from './index.js';

const FULL = readFileSync(new URL('../lab/site.yaml', import.meta.url), 'utf8');
/** The lab's site without its own etcd section, the file's last key. */
const LAB = FULL.slice(0, FULL.indexOf('\netcd:') + 1);
const withEtcd = (section: string, edit: (t: string) => string = (t) => t): ReturnType<typeof parseSiteText> => parseSiteText(`${edit(LAB)}\netcd:\n${section}`);
const messages = (r: ReturnType<typeof parseSiteText>): string[] => (r.ok ? [] : r.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('the etcd section', () => {
  it('is optional, and takes endpoints with a default prefix and limits', () => {
    const none = parseSiteText(LAB);
    expect(none.ok && none.site.etcd).toBeUndefined();
    const r = withEtcd('  endpoints: ["http://10.0.4.10:2379", "http://[fd00:4::10]:2379"]\n');
    expect(messages(r)).toEqual([]);
    expect(r.ok && r.site.etcd).toMatchObject({ prefix: '/tierlb/lab', limits: { maxL4Withdrawn: 1, maxL7DepooledShare: 0.5, depoolThreshold: 0.5 } });
  });

  it('refuses endpoints with paths or credentials, and bad prefixes, saying what it expected', () => {
    const r = withEtcd('  endpoints: ["http://u:p@10.0.4.10:2379", "10.0.4.10:2379", "http://h:2379/v3"]\n  prefix: "/a//b/"\n');
    const m = messages(r);
    expect(m.filter((x) => x.startsWith('etcd.endpoints'))).toHaveLength(3);
    expect(m.some((x) => x.startsWith('etcd.prefix: expected a key prefix'))).toBe(true);
  });

  it('needs tls with https, both halves of a client certificate, and limits in range', () => {
    expect(messages(withEtcd('  endpoints: ["https://10.0.4.10:2379"]\n')).some((x) => x.startsWith('etcd.endpoints.0: expected etcd.tls'))).toBe(true);
    expect(messages(withEtcd('  endpoints: ["http://10.0.4.10:2379"]\n  limits: { maxL7DepooledShare: 1.5 }\n')).some((x) => x.startsWith('etcd.limits.maxL7DepooledShare'))).toBe(true);
    const t = messages(withEtcd('  endpoints: ["http://10.0.4.10:2379"]\n  tls: { ca: /etc/ca.pem, cert: /etc/c.pem }\n'));
    expect(t).toContain('etcd.tls.key: expected both cert and key (a client certificate), or neither');
    expect(t.some((x) => x.startsWith('etcd.endpoints.0: expected https://'))).toBe(true);
  });

  it('refuses a server named like an L7 node: tierlb depool NAME must name one thing', () => {
    const m = messages(withEtcd('  endpoints: ["http://10.0.4.10:2379"]\n', (t) => t.replace('{ name: srv-1, address: 10.0.2.41, port: 8080, node: srv-1 }', '{ name: l7-1, address: 10.0.2.41, port: 8080, node: srv-1 }')));
    expect(m.some((x) => /pools\.0\.servers\.0\.name: expected a server name that is not the name of a l7 node/.test(x))).toBe(true);
  });
});
