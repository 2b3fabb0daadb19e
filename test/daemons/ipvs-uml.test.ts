// ipvs.rules through the real ipvsadm into real IPVS: the host kernel has
// none, so this boots the user-mode-linux kernel (about 2 s).
import { afterAll, describe, expect, it } from 'vitest';
import { renderL4 } from '../../tiers/l4/index.js';
import { nodesWithRole } from '../../site/index.js';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { loadSite } from '../helpers/site.js';

const runs: UmlRun[] = [];
afterAll(async () => { for (const r of runs) await removeUmlShare(r); });

describe('ipvs.rules in the user-mode-linux kernel', () => {
  const site = loadSite();
  const l4 = nodesWithRole(site, 'l4');
  const files: Record<string, string> = {};
  for (const node of l4) {
    const rules = renderL4(site, node).files.find((f) => f.name === 'ipvs.rules');
    if (rules) files[`${node.name}.rules`] = rules.content;
  }
  files['broken.rules'] = '-A -t 198.51.100.1:80 -s mh\n-a -t 198.51.100.1:80 -r 10.0.1.31:80 -i -w 100 --no-such-flag\n';

  it('ipvsadm -R accepts the rules of every L4 node and reads back the same services, and rejects a broken file', async () => {
    const script = `
ip link set lo up
ip link add uplink type dummy && ip link set uplink up
ip address add 10.0.0.21/16 dev uplink
ip -6 address add fd00::21/32 dev uplink nodad
for n in ${l4.map((n) => n.name).join(' ')}; do
  ipvsadm -C
  ipvsadm -R < $SHARE/$n.rules
  ipvsadm -S -n > $SHARE/$n.saved
done
ipvsadm -C
if ipvsadm -R < $SHARE/broken.rules 2> $SHARE/broken.err; then echo broken-accepted; else echo broken-rejected; fi
`;
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh', 'dummy'], files, timeoutMs: 60000 });
    runs.push(run);
    expect(run.exitCode, `guest output:\n${run.output}\nconsole:\n${run.console.slice(-2000)}`).toBe(0);
    expect(run.output).toContain('broken-rejected');
    const { readFileSync } = await import('node:fs');
    for (const node of l4) {
      const saved = readFileSync(`${run.shareDir}/${node.name}.saved`, 'utf8');
      // ipvsadm -S sorts and names the default tunnel type; compare as sets without it.
      const lines = (text: string): string[] =>
        text.split('\n').filter((l) => l.startsWith('-')).map((l) => l.replace(/ --tun-type ipip/, '').trim()).sort();
      expect(lines(saved)).toEqual(lines(files[`${node.name}.rules`] ?? ''));
    }
  });
});
