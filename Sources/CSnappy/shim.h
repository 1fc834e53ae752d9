#ifndef FLOWMETER_CSNAPPY_SHIM_H
#define FLOWMETER_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
