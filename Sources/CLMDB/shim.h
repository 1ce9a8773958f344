/* Debian's liblmdb-dev, linked as a system library (never vendored). */
#include <lmdb.h>
