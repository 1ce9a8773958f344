/* zlib, for reading gzip-compressed edge lists. */
#include <zlib.h>
