// The host's root made writable inside a user-mode-linux guest where a test
// installs or runs something: each folder an overlay whose upper layer is on
// the guest's tmpfs, so nothing reaches the host.

/** Shell lines mounting an overlay over each of `dirs` (absolute), upper layers under `layers`. */
export function overlayMounts(dirs: readonly string[], layers: string): string {
  return dirs.map((dir) => {
    const upper = `${layers}/${dir.slice(1).replace(/\//g, '')}`;
    return `mkdir -p ${upper} ${upper}.work && mount -t overlay overlay -o lowerdir=${dir},upperdir=${upper},workdir=${upper}.work ${dir}`;
  }).join('\n');
}
