// Operations as `ipvsadm -R` lines, so a whole change set is one fork. Every
// line names its service by protocol (ipvsadm(8): -t|--tcp-service,
// -u|--udp-service, --sctp-service, which has no short form), so a UDP or
// SCTP service found in the kernel is deleted as what it is.
import { opKey, type IpvsOp } from './diff.js';
import { kernelEndpoint } from './kernel.js';
import { endpoint } from './model.js';
import type { ServiceKey, ServiceProtocol } from './service-key.js';

const SERVICE_OPTION: Readonly<Record<ServiceProtocol, string>> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };

export function ipvsOpsText(ops: readonly IpvsOp[]): string {
  return ops.map(opLine).join('\n') + (ops.length > 0 ? '\n' : '');
}

/** `-t 198.51.100.1:80`, `-u [2001:db8::1]:53`, `--sctp-service 198.51.100.1:38412`. */
function serviceArgs(k: ServiceKey): string {
  return `${SERVICE_OPTION[k.protocol]} ${kernelEndpoint(k.vip, k.port)}`;
}

function opLine(o: IpvsOp): string {
  const svc = serviceArgs(opKey(o));
  switch (o.op) {
    case 'add-service':
    case 'edit-service': {
      const s = o.service;
      const flags = s.flags.length > 0 ? ` -b ${s.flags.join(',')}` : '';
      return `${o.op === 'add-service' ? '-A' : '-E'} ${svc} -s ${s.scheduler}${flags}`;
    }
    case 'delete-service':
      return `-D ${svc}`;
    case 'add-destination':
    case 'edit-destination': {
      const d = o.destination;
      return `${o.op === 'add-destination' ? '-a' : '-e'} ${svc} -r ${endpoint(d.address, d.port)} -i -w ${d.weight}`;
    }
    case 'delete-destination':
      return `-d ${svc} -r ${kernelEndpoint(o.address, o.port)}`;
    case 'move-destination': {
      const d = o.destination;
      // Adjacent lines: ipvsadm -R sends them back to back.
      return `-d ${svc} -r ${endpoint(d.address, d.port)}\n-a ${svc} -r ${endpoint(d.address, d.port)} -i -w ${d.weight}`;
    }
  }
}
