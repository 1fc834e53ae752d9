#ifndef FLOWMETER_CPCAP_SHIM_H
#define FLOWMETER_CPCAP_SHIM_H
#include <pcap/pcap.h>
#if defined(__linux__)
/* __fsetlocking: a capture file is read by one thread only, so its stream needs no lock per fread. */
#include <stdio_ext.h>
#endif
#endif
