// The lab's host mode (`npm run lab -- --kernel host`: the lab in network
// namespaces of the running kernel), run where a kernel has IPVS, IPIP and
// ip6ip6: inside the user-mode-linux kernel, which plays the host. The guest
// is made to look like a host first: /run a tmpfs, /etc and /var/lib
// writable overlays whose upper layers show anything written to them. Then
// a lab chosen by default is killed with SIGKILL once BGP is up, and a whole
// lab runs after it with every check and the demo. The site is the small
// one (lab/site-small.yaml, 9 nodes): the whole lab in host mode inside the
// one-CPU lab kernel takes about two minutes that way.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_MODULES } from '../../lab/guest-script.js';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { checksMatching, LAB_BEHAVIOURS, labResults, type LabResults } from '../helpers/lab-results.js';
import { REPO } from '../helpers/site.js';
import { overlayMounts } from '../helpers/uml-overlays.js';

const SITE = join(REPO, 'lab', 'site-small.yaml');

const GUEST = `cd '${REPO}'
L=/tmp/host-layers
${overlayMounts(['/etc', '/var/lib'], '/tmp/host-layers')}
mount -t tmpfs hostrun /run
# What a lab would leave: its processes (the bundled agent and checks, the
# backends' servers, the users' clients, the daemons), and network namespaces
# besides the guest's own.
labprocs() { ps -eo pid=,args= | awk '/tierlb\\.cjs|(checks|flows|server|client)\\.mjs|^ *[0-9]+ (bird|haproxy|gdnsd|gobgpd|etcd) / && !/awk/'; }
leftovers() {
  labprocs > "$SHARE/$1.procs"
  readlink /proc/[0-9]*/ns/net 2>/dev/null | sort -u | wc -l > "$SHARE/$1.netns"
}
node --import tsx lab/main.ts --site '${SITE}' --smoke > "$SHARE/killed.out" 2>&1 &
pid=$!
i=0
until grep -q 'BGP sessions' "$SHARE/killed.out" || [ $i -ge 300 ]; do sleep 0.5; i=$((i + 1)); done
kill -9 $pid
wait $pid || true
i=0
while [ -n "$(labprocs)" ] && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
leftovers killed
status=0
node --import tsx lab/main.ts --site '${SITE}' --kernel host > "$SHARE/full.out" 2>&1 || status=$?
echo $status > "$SHARE/full.status"
leftovers full
find $L/etc $L/varlib /run -mindepth 1 > "$SHARE/written" 2>&1 || true
`;

let run: UmlRun | undefined;
let results: LabResults | undefined;
const read = (name: string): string => (run ? readFileSync(join(run.shareDir, name), 'utf8') : '');

beforeAll(async () => {
  run = await runInUml(GUEST, { modules: LAB_MODULES, memMb: 3072, timeoutMs: 25 * 60 * 1000 });
  results = labResults(read('full.out'));
}, 26 * 60 * 1000);

afterAll(async () => {
  if (run && results?.checks.every((c) => c.ok)) await removeUmlShare(run);
});

function passed(pattern: RegExp): void {
  if (!results) throw new Error(`the lab did not run:\n${run?.output.slice(-3000) ?? ''}`);
  for (const c of checksMatching(results, pattern)) expect(c.ok, `${c.name}: ${c.detail}\n--- lab output ---\n${read('full.out').slice(-3000)}`).toBe(true);
}

describe('the lab in host namespaces, run inside the user-mode-linux kernel', () => {
  it('chooses the host kernel by default where it has IPVS, IPIP and ip6ip6, and says why first', () => {
    expect(read('killed.out')).toMatch(/^\[lab +[\d.]+ s\] kernel: the host's, in namespaces: this kernel has IPVS .*IPIP .*ip6ip6/m);
  });
  for (const b of LAB_BEHAVIOURS) it(b.sentence, () => passed(b.checks));
  it('exits 0 with every check passed', () => {
    expect(read('full.status').trim(), read('full.out').slice(-3000)).toBe('0');
  });
  it('leaves no process and no network namespace behind when its launcher is killed with SIGKILL once BGP is up', () => {
    expect(read('killed.out'), 'the killed lab got as far as BGP').toMatch(/BGP sessions: /);
    expect(read('killed.procs')).toBe('');
    expect(read('killed.netns').trim()).toBe('1');
  });
  it('leaves no process and no network namespace behind when it ends', () => {
    expect(read('full.procs')).toBe('');
    expect(read('full.netns').trim()).toBe('1');
  });
  it('writes nothing to the host\'s /etc, /var/lib or /run', () => {
    expect(read('written')).toBe('');
  });
});
