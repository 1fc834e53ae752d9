#ifndef FLOWMETER_CZLIB_SHIM_H
#define FLOWMETER_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 is a macro in zlib.h; Swift cannot call macros, so it is wrapped here.
static inline int flowmeter_deflate_init2(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
#endif
