#ifndef FLOWMETER_CPCAP_SHIM_H
#define FLOWMETER_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
