// The bench's site for one boot: the given site with bgp.speaker set, every
// comment and other value kept. Pure.
import { parseDocument } from 'yaml';

export const SPEAKERS = ['gobgp', 'bird'] as const;
export type Speaker = (typeof SPEAKERS)[number];

export function withSpeaker(text: string, speaker: Speaker): string {
  const doc = parseDocument(text);
  doc.setIn(['bgp', 'speaker'], speaker);
  return doc.toString();
}
