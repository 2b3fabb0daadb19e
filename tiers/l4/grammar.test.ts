// There is no IPVS in this host's kernel, so `ipvsadm -R` cannot check the
// file here. Instead every line must match the restore grammar of ipvsadm
// 1.31, which is what `ipvsadm -S -n` prints (ipvsadm.c, print_service_entry):
//   -A -t HOST:PORT -s SCHED [-b FLAG,FLAG]
//   -a -t HOST:PORT -r HOST:PORT -i -w WEIGHT
// with IPv6 hosts in brackets (`[2001:db8::1]:80`). (`-S` adds
// `--tun-type ipip`, the default, which restore does not need.) The golden
// of l4-1 was also restored by ipvsadm 1.31 into the UML kernel's IPVS.
import { describe, expect, it } from 'vitest';
import { isIPv4, isIPv6 } from 'node:net';
import { loadSite } from '../../test/helpers/site.js';
import { nodesWithRole, type SiteNode } from '../../site/index.js';
import { planIpvs } from './plan.js';
import { ipvsRulesText, renderL4 } from './render.js';

const HOSTPORT = String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}`;
const ADD_SERVICE = new RegExp(String.raw`^-A -t (${HOSTPORT}) -s mh(?: -b ((?:mh-fallback|mh-port)(?:,(?:mh-fallback|mh-port))?))?$`);
const ADD_SERVER = new RegExp(String.raw`^-a -t (${HOSTPORT}) -r (${HOSTPORT}) -i -w (\d{1,5})$`);

function validHostPort(text: string): boolean {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(text);
  if (!m?.[1] || !m[2]) return false;
  const port = Number(m[2]);
  const bracketed = text.startsWith('[');
  return port >= 1 && port <= 65535 && (bracketed ? isIPv6(m[1]) : isIPv4(m[1]));
}

/** The problems of one line, empty when it is a valid restore command. */
function lineProblems(line: string, services: Set<string>): string[] {
  const svc = ADD_SERVICE.exec(line);
  if (svc?.[1]) {
    services.add(svc[1]);
    return validHostPort(svc[1]) ? [] : [`bad service address in ${line}`];
  }
  const srv = ADD_SERVER.exec(line);
  if (!srv?.[1] || !srv[2]) return [`not a restore command: ${JSON.stringify(line)}`];
  const problems: string[] = [];
  if (!services.has(srv[1])) problems.push(`real server before its service: ${line}`);
  if (!validHostPort(srv[2])) problems.push(`bad real server address in ${line}`);
  if (srv[1].startsWith('[') !== srv[2].startsWith('[')) problems.push(`mixed families in ${line}`);
  if (srv[1].split(':').pop() !== srv[2].split(':').pop()) problems.push(`tunnel mode cannot remap ports: ${line}`);
  if (Number(srv[3]) > 65535) problems.push(`weight out of range in ${line}`);
  return problems;
}

function problemsOf(text: string): string[] {
  const services = new Set<string>();
  const lines = text.split('\n');
  const tail = lines.pop();
  return [...(tail === '' ? [] : ['missing final newline']), ...lines.flatMap((l) => lineProblems(l, services))];
}

const site = loadSite();

describe('ipvs.rules grammar', () => {
  for (const node of nodesWithRole(site, 'l4')) {
    it(`accepts every line of the ipvs.rules of ${node.name}`, () => {
      const text = renderL4(site, node).files.find((f) => f.name === 'ipvs.rules')?.content ?? '';
      expect(problemsOf(text)).toEqual([]);
    });
  }

  it('accepts a state with both flags and zero weights', () => {
    const state = planIpvs(site, nodesWithRole(site, 'l4')[0] as SiteNode, new Map([['l7-1', 0]]));
    const flagged = { services: state.services.map((s) => ({ ...s, flags: ['mh-fallback', 'mh-port'] as const })) };
    expect(problemsOf(ipvsRulesText(flagged))).toEqual([]);
  });

  it('rejects a line the restore grammar does not know, so the check has teeth', () => {
    expect(problemsOf('-A -t 198.51.100.1:80 -s mh\n-a -t 198.51.100.1:80 -r 10.0.1.31:8080 -i -w 100\n# comment\n')).toEqual([
      'tunnel mode cannot remap ports: -a -t 198.51.100.1:80 -r 10.0.1.31:8080 -i -w 100',
      'not a restore command: "# comment"',
    ]);
  });
});
