// Linux calls that Glibc's Swift overlay does not import (variadic or behind _GNU_SOURCE).
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/// rename(2) that fails with EEXIST instead of replacing: nothing is ever overwritten.
static inline int userimport_rename_noreplace(int from_dir, const char *from, int to_dir, const char *to) {
    return (int)syscall(SYS_renameat2, from_dir, from, to_dir, to, RENAME_NOREPLACE);
}

/// open(2) with a mode; Swift cannot call the variadic openat.
static inline int userimport_openat(int dir, const char *path, int flags, mode_t mode) {
    return openat(dir, path, flags, mode);
}

/// An unnamed file in `dir`, gone when its last descriptor closes. Where the file system cannot
/// make one (EOPNOTSUPP, or EISDIR on older kernels), a named file is made and unlinked at once.
/// (glibc declares O_TMPFILE only under _GNU_SOURCE, which would change what Swift sees of the
/// rest of libc: the kernel's value for the architectures Debian builds for is spelled here.)
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
// glibc exports mkostemp but declares it only under _GNU_SOURCE.
extern int mkostemp(char *template_name, int flags);

static inline int userimport_open_tmpfile(const char *dir) {
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR)) return fd;
    char name[4096];
    if (snprintf(name, sizeof name, "%s/.userimport-scratch-XXXXXX", dir) >= (int)sizeof name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int named = mkostemp(name, O_CLOEXEC);
    if (named >= 0 && unlink(name) != 0) {
        int error = errno;
        close(named);
        errno = error;
        return -1;
    }
    return named;
}

/// Caps glibc's malloc arenas (mallopt is not imported: M_ARENA_MAX is a macro).
static inline void userimport_limit_malloc_arenas(int arenas) {
    mallopt(M_ARENA_MAX, arenas);
}

/// Columns of the terminal on fd, or 0 when it is not a terminal (ioctl is variadic).
static inline int userimport_terminal_width(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
