/*
 * Preloaded into linux.uml (Debian's user-mode-linux 6.1). UML saves and
 * restores its processes' FPU state through ptrace(PTRACE_SETREGSET,
 * NT_X86_XSTATE) with a buffer of a size fixed when it was built. A host
 * kernel accepts only a buffer of its whole user XSAVE area, and on CPUs with
 * AMX that area is larger (its tile data alone is 8 KiB): the kernel answers
 * EFAULT, UML prints "ptrace set fp regs failed, errno = 14" and the guest's
 * init dies before it runs a line.
 *
 * This wrapper gives the host what it asks for: UML's buffer, extended with
 * zeros to the host's size, with the components past UML's buffer marked as
 * in their initial state. Past UML's 2696 bytes there is only AMX state (tile
 * configuration and data), which UML's processes cannot have used: a process
 * gets AMX only by asking the kernel for it. Both sizes and the components
 * are learnt once (CPUID is a trap to the hypervisor in a VM). Every other
 * ptrace call passes through unchanged; on a host whose area fits UML's
 * buffer, nothing changes at all.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

/* The XSAVE header (its XSTATE_BV) follows the 512-byte legacy area. */
#define XSAVE_HEADER 512
#define XSAVE_MIN 576

/* Components whose place in the standard XSAVE layout ends past `size` bytes. */
static uint64_t components_beyond(size_t size) {
  uint64_t mask = 0;
  for (unsigned i = 2; i < 64; i++) {
    unsigned a, b, c, d;
    __cpuid_count(0xd, i, a, b, c, d);
    if (a != 0 && (size_t)b + a > size) mask |= 1ULL << i;
  }
  return mask;
}

/* The host's whole user XSAVE area for `pid`: what a set must hand it. */
static size_t host_size(ptrace_fn real, pid_t pid, void *addr, unsigned char *buffer, size_t capacity) {
  struct iovec probe = { buffer, capacity };
  return real(PTRACE_GETREGSET, pid, addr, &probe) == 0 ? probe.iov_len : 0;
}

long ptrace(enum __ptrace_request request, ...) {
  static ptrace_fn real;
  /* UML's process handling runs on one host thread. */
  static _Alignas(64) unsigned char whole[1 << 16];
  static size_t host, uml;
  static uint64_t beyond;
  if (!real) real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
  va_list ap;
  va_start(ap, request);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  if (request == PTRACE_SETREGSET && (uintptr_t)addr == NT_X86_XSTATE && data != NULL) {
    struct iovec *given = data;
    if (host == 0) host = host_size(real, pid, addr, whole, sizeof whole);
    if (given->iov_len >= XSAVE_MIN && host > given->iov_len) {
      if (uml != given->iov_len) {
        uml = given->iov_len;
        beyond = components_beyond(uml);
        memset(whole, 0, host);
      }
      memcpy(whole, given->iov_base, uml);
      uint64_t features;
      memcpy(&features, whole + XSAVE_HEADER, sizeof features);
      features &= ~beyond;
      memcpy(whole + XSAVE_HEADER, &features, sizeof features);
      struct iovec full = { whole, host };
      return real(PTRACE_SETREGSET, pid, addr, &full);
    }
  }
  return real(request, pid, addr, data);
}
