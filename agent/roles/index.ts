// One role per node, chosen by the site file.
import type { Role as RoleName } from '../../site/index.js';
import type { Role, RoleDeps } from '../role.js';
import { backendRole } from './backend.js';

export function createRole(role: RoleName, deps: RoleDeps): Role<unknown> {
  switch (role) {
    case 'backend':
      return backendRole(deps);
    case 'l7':
    case 'l4':
    case 'router':
    case 'reflector':
    case 'dns':
      throw new Error(`the ${role} role is not wired into the agent yet`);
  }
}
