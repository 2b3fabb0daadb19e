// A site value as the YAML text an operator would write: objects that occur
// twice become an anchor and aliases, keys left undefined are left out.
import { Document } from 'yaml';

export function yamlOf(value: unknown): string {
  return new Document(value, { aliasDuplicateObjects: true }).toString({ lineWidth: 0 });
}
