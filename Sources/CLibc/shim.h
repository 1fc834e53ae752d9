#ifndef FLOWMETER_CLIBC_SHIM_H
#define FLOWMETER_CLIBC_SHIM_H
// GNU extensions of the C library that Swift's Glibc module (built without _GNU_SOURCE) does not show. Each is
// declared here under a name of our own, bound to the C library's symbol, with the C library's layout.
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

// sendmmsg(2): struct msghdr, then the unsigned int the kernel fills with the bytes sent.
struct flowmeter_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int flowmeter_sendmmsg(int fd, struct flowmeter_mmsghdr *vector, unsigned int count, int flags) __asm__("sendmmsg");

// fopencookie(3): a stdio stream whose reads call a function of ours (cookie_io_functions_t's layout).
typedef struct {
    ssize_t (*read)(void *cookie, char *buffer, size_t size);
    ssize_t (*write)(void *cookie, const char *buffer, size_t size);
    int (*seek)(void *cookie, long long *offset, int whence);
    int (*close)(void *cookie);
} flowmeter_cookie_functions;

FILE *flowmeter_fopencookie(void *cookie, const char *mode, flowmeter_cookie_functions functions)
    __asm__("fopencookie");

// pipe2(2): both ends made close-on-exec (or non-blocking) atomically, so no child spawned meanwhile by another
// thread inherits them.
int flowmeter_pipe2(int descriptors[2], int flags) __asm__("pipe2");

// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child closes every descriptor from `from` on, so it
// inherits none that another thread opened without close-on-exec.
int flowmeter_spawn_closefrom(posix_spawn_file_actions_t *actions, int from)
    __asm__("posix_spawn_file_actions_addclosefrom_np");

// pthread_setname_np(3) and pthread_getname_np(3): a thread's name as `top -H`, `ps -L`, perf and debuggers show
// it (15 bytes at most on Linux; a longer name is refused with ERANGE; reading needs a 16-byte buffer).
#include <pthread.h>
int flowmeter_set_thread_name(pthread_t thread, const char *name) __asm__("pthread_setname_np");
int flowmeter_get_thread_name(pthread_t thread, char *name, size_t size) __asm__("pthread_getname_np");

// UDP segmentation offload (UDP_SEGMENT, Linux 4.18): one send of several equal datagrams end to end, cut by the
// kernel (or the network card) into datagrams of `segment` bytes, the last possibly shorter. `control` must hold
// flowmeter_gso_control_size() bytes; the header's msg_control points to it afterwards.
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

static inline size_t flowmeter_gso_control_size(void) { return CMSG_SPACE(sizeof(uint16_t)); }

static inline void flowmeter_set_gso(struct msghdr *header, void *control, uint16_t segment) {
    memset(control, 0, CMSG_SPACE(sizeof(uint16_t)));
    header->msg_control = control;
    header->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    struct cmsghdr *message = CMSG_FIRSTHDR(header);
    message->cmsg_level = SOL_UDP;
    message->cmsg_type = UDP_SEGMENT;
    message->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    memcpy(CMSG_DATA(message), &segment, sizeof segment);
}

#endif
