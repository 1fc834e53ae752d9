#ifndef FLOWMETER_CSOCKET_SHIM_H
#define FLOWMETER_CSOCKET_SHIM_H
// sendmmsg(2) and struct mmsghdr are GNU extensions that Swift's Glibc module (built without _GNU_SOURCE) does not
// show. They are declared here under names of our own, bound to the C library's symbol; the layout is the kernel's
// (struct msghdr, then the unsigned int the kernel fills with the bytes sent).
#include <sys/socket.h>

struct flowmeter_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int flowmeter_sendmmsg(int fd, struct flowmeter_mmsghdr *vector, unsigned int count, int flags) __asm__("sendmmsg");

#endif
