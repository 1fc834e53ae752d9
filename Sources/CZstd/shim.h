#ifndef FLOWMETER_CZSTD_SHIM_H
#define FLOWMETER_CZSTD_SHIM_H
#include <zstd.h>
#endif
