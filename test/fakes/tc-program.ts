// What every fake tc program port shares: a compiled object or not, the
// devices holding addresses as `ip address show` would say, and where the
// program is attached.
export class FakeTcProgram {
  built = true;
  readonly attachedTo = new Set<string>();
  attaches = 0;
  /** How often the kernel was asked whether the program is attached (a `tc` run each on a real node). */
  asked = 0;

  constructor(private readonly file: string, private readonly what: string, readonly devices: Map<string, string>) {}

  object(): { path: string } | { why: string } {
    return this.built ? { path: `/fake/${this.file}` } : { why: `the ${this.what} program is not built: run npm run build:bpf` };
  }

  async deviceOf(address: string): Promise<string | undefined> {
    return this.devices.get(address);
  }

  async attached(device: string): Promise<boolean> {
    this.asked++;
    return this.attachedTo.has(device);
  }

  async attach(device: string): Promise<void> {
    this.attaches++;
    this.attachedTo.add(device);
  }
}
