// One role per node, chosen by the site file.
import type { Role as RoleName } from '../../site/index.js';
import type { Role, RoleDeps } from '../role.js';
import { backendRole } from './backend.js';
import { dnsRole } from './dns.js';
import { l4Role } from './l4/index.js';
import { l7Role } from './l7/index.js';
import { reflectorRole } from './reflector.js';
import { routerRole } from './router.js';

export function createRole(role: RoleName, deps: RoleDeps): Role<unknown> {
  switch (role) {
    case 'backend':
      return backendRole(deps);
    case 'l7':
      return l7Role(deps) as Role<unknown>;
    case 'l4':
      return l4Role(deps) as Role<unknown>;
    case 'router':
      return routerRole(deps) as Role<unknown>;
    case 'reflector':
      return reflectorRole(deps) as Role<unknown>;
    case 'dns':
      return dnsRole(deps) as Role<unknown>;
  }
}
