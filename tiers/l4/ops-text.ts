// Operations as `ipvsadm -R` lines, so a whole change set is one fork.
import type { IpvsOp } from './diff.js';
import { kernelEndpoint } from './kernel.js';
import { endpoint } from './model.js';

export function ipvsOpsText(ops: readonly IpvsOp[]): string {
  return ops.map(opLine).join('\n') + (ops.length > 0 ? '\n' : '');
}

function opLine(o: IpvsOp): string {
  switch (o.op) {
    case 'add-service':
    case 'edit-service': {
      const s = o.service;
      const flags = s.flags.length > 0 ? ` -b ${s.flags.join(',')}` : '';
      return `${o.op === 'add-service' ? '-A' : '-E'} -t ${endpoint(s.vip, s.port)} -s ${s.scheduler}${flags}`;
    }
    case 'delete-service':
      return `-D -t ${o.target}`;
    case 'add-destination':
    case 'edit-destination': {
      const d = o.destination;
      return `${o.op === 'add-destination' ? '-a' : '-e'} -t ${o.target} -r ${endpoint(d.address, d.port)} -i -w ${d.weight}`;
    }
    case 'delete-destination':
      return `-d -t ${o.target} -r ${kernelEndpoint(o.address, o.port)}`;
    case 'move-destination': {
      const d = o.destination;
      // Adjacent lines: ipvsadm -R sends them back to back.
      return `-d -t ${o.target} -r ${endpoint(d.address, d.port)}\n-a -t ${o.target} -r ${endpoint(d.address, d.port)} -i -w ${d.weight}`;
    }
  }
}
