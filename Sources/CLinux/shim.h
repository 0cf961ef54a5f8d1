// Linux calls that Glibc's Swift overlay does not import (variadic or behind _GNU_SOURCE).
#include <fcntl.h>
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

/// Columns of the terminal on fd, or 0 when it is not a terminal (ioctl is variadic).
static inline int userimport_terminal_width(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
