import { familyOf, type IpAddress, type Port } from '../../site/index.js';
import type { Endpoint } from './view-types.js';

/** HAProxy's address form: IPv6 in brackets, so its last group is not taken for the port. */
export function endpoint(address: IpAddress, port: Port | number): Endpoint {
  return familyOf(address) === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;
}
